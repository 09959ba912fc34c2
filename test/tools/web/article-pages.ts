/**
 * Article pages as sites serve them, chrome and all: a news article marked up with <article>, and
 * a blog post built of divs only. `MAIN` is what a reader must keep; `CHROME` what it must drop.
 */

export const NEWS = {
  title: 'Council approves north harbor dredging',
  byline: 'Ann Lee',
  published: '2024-03-05T09:00:00Z',
  main: [
    'The city council voted seven to two on Tuesday to dredge the north harbor, clearing the way for container ships with a draught of up to fourteen metres to berth at the Eastern Quay.',
    'Work is to begin in April and take eighteen months. The port authority puts the cost at 41 million euros, of which the national infrastructure fund pays a little over half.',
    'Fishing crews had asked for the dredging to avoid the spawning season. The approved plan pauses work between mid-May and the end of June, when the herring come inshore.',
    'Opponents on the council warned that silt from the channel could drift onto the bathing beaches south of the breakwater, and asked for monitoring buoys to be placed before the first dredger arrives.',
  ],
  chrome: [
    'We use cookies to personalise content',
    'Accept all cookies',
    'Subscribe to the Morning Tide newsletter',
    'Related articles',
    'Ferry fares rise again in spring timetable',
    'Copyright 2024 Coast Daily Media Group',
    'window.dataLayer',
    'Sign in',
    'Most read',
  ],
};

export function newsArticleHtml(): string {
  const [p1, p2, p3, p4] = NEWS.main;
  return `<!DOCTYPE html>
<html lang="en"><head>
<meta charset="utf-8">
<title>${NEWS.title} | Coast Daily</title>
<meta property="og:site_name" content="Coast Daily">
<meta property="article:published_time" content="${NEWS.published}">
<meta name="viewport" content="width=device-width">
<link rel="stylesheet" href="/static/site.css">
<script>window.dataLayer = window.dataLayer || []; window.dataLayer.push({ page: 'article' });</script>
<style>.cookie-banner { position: fixed; bottom: 0 }</style>
</head><body>
<header class="site-header">
  <a class="logo" href="/">Coast Daily</a>
  <nav class="primary-nav"><ul><li><a href="/news">News</a></li><li><a href="/sport">Sport</a></li><li><a href="/business">Business</a></li><li><a href="/login">Sign in</a></li></ul></nav>
</header>
<div class="cookie-banner" id="cookie-consent" role="dialog">
  <p>We use cookies to personalise content and ads and to analyse our traffic.</p>
  <button>Accept all cookies</button> <button>Manage preferences</button>
</div>
<main>
  <article class="story">
    <h1>${NEWS.title}</h1>
    <div class="story-meta"><span class="byline">By <a rel="author" href="/authors/ann-lee">${NEWS.byline}</a></span> <time datetime="${NEWS.published}">5 March 2024</time></div>
    <figure><img src="/img/harbor.jpg" alt="Dredger"><figcaption>A dredger at work in the south basin last year.</figcaption></figure>
    <p>${p1}</p>
    <p>${p2}</p>
    <div class="inline-promo"><a href="/newsletter">Subscribe to the Morning Tide newsletter</a></div>
    <p>${p3}</p>
    <p>${p4}</p>
  </article>
  <aside class="sidebar">
    <section><h2>Most read</h2><ol><li><a href="/a">Storm closes coastal road</a></li><li><a href="/b">New mayor sworn in</a></li></ol></section>
    <section><h2>Related articles</h2><ul><li><a href="/c">Ferry fares rise again in spring timetable</a></li><li><a href="/d">Quay workers strike ends</a></li></ul></section>
  </aside>
</main>
<footer class="site-footer"><p>Copyright 2024 Coast Daily Media Group. All rights reserved.</p><nav><a href="/privacy">Privacy</a> <a href="/terms">Terms</a></nav></footer>
<script src="/static/analytics.js"></script>
<script>document.getElementById('cookie-consent').hidden = localStorage.consent === 'yes';</script>
</body></html>`;
}

export const BLOG = {
  title: 'Why our team moved the nightly build to the morning',
  byline: 'Priya Raman',
  published: '2023-11-20T07:30:00+01:00',
  main: [
    'For three years the nightly build started at two in the morning, when nobody was around to fix it. A broken build meant the first hour of every working day went to finding out what had gone wrong and who could repair it.',
    'We moved the build to six, an hour before the first people arrive. Failures now land in front of the person who caused them while the change is still fresh, and the median time to a green build dropped from three hours to forty minutes.',
    'The one thing we lost is the quiet machine: the build now shares the runners with the first merge requests of the day. Two more runners, about ninety euros a month, paid for that.',
  ],
  items: ['Build at six, not two', 'Notify the last committer first', 'Add two runners for the morning peak'],
  chrome: [
    'Home',
    'Archive',
    'This site uses cookies',
    'Got it',
    'Related posts',
    'Ten tips for faster CI pipelines',
    'Leave a comment',
    'Powered by Static Blog Engine',
    'gtag(',
  ],
};

export function blogPostHtml(): string {
  const [p1, p2, p3] = BLOG.main;
  const jsonLd = { '@context': 'https://schema.org', '@type': 'BlogPosting', headline: BLOG.title, datePublished: BLOG.published, author: { '@type': 'Person', name: BLOG.byline } };
  return `<!DOCTYPE html>
<html><head>
<meta charset="utf-8">
<title>${BLOG.title} - Build Notes</title>
<script type="application/ld+json">${JSON.stringify(jsonLd)}</script>
<script async src="https://www.googletagmanager.com/gtag/js?id=G-1"></script>
<script>function gtag(){dataLayer.push(arguments)} gtag('js', new Date());</script>
</head><body>
<div id="page">
  <div class="topbar"><div class="menu"><a href="/">Home</a> · <a href="/archive">Archive</a> · <a href="/about">About</a></div></div>
  <div class="cookie-notice">This site uses cookies to count visits. <a href="#" class="dismiss">Got it</a></div>
  <div class="layout">
    <div class="content">
      <div class="post">
        <div class="post-title"><h2>${BLOG.title}</h2></div>
        <div class="post-info">Posted by <span class="author">${BLOG.byline}</span> on 20 November 2023</div>
        <div class="post-body">
          <div>${p1}</div>
          <div>${p2}</div>
          <div>What changed, in short:</div>
          <ul>${BLOG.items.map((i) => `<li>${i}</li>`).join('')}</ul>
          <div>${p3}</div>
        </div>
        <div class="post-footer"><a href="#comments">Leave a comment</a> · <a href="/tag/ci">ci</a></div>
      </div>
    </div>
    <div class="widget-area">
      <div class="widget"><div class="widget-title">Related posts</div><div class="widget-body"><a href="/p/1">Ten tips for faster CI pipelines</a><br><a href="/p/2">Flaky tests, a field guide</a></div></div>
      <div class="widget"><div class="widget-title">Tags</div><a href="/tag/ci">ci</a> <a href="/tag/teams">teams</a></div>
    </div>
  </div>
  <div class="site-footer">Powered by Static Blog Engine · <a href="/feed.xml">RSS</a></div>
</div>
</body></html>`;
}
