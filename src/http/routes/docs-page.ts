// The API reference page: static HTML plus one script, no CDN and no build step. The script
// fetches openapi.json next to the page (so it works at /docs and behind a proxy at /mcp/docs)
// and renders it with DOM calls and textContent only (nothing from the document becomes HTML).

export const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>mcp-orchestrator API reference</title>
<style>
body { font: 15px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 60rem; padding: 1rem 1.5rem 4rem; color: #1d1d1f; }
h1 { margin-bottom: 0; } h2 { margin-top: 2.5rem; border-bottom: 1px solid #ddd; }
nav a { margin-right: .8rem; }
details.op { border: 1px solid #ddd; border-radius: 6px; margin: .5rem 0; }
details.op > summary { padding: .5rem .8rem; cursor: pointer; }
details.op > div { padding: 0 1rem 1rem; }
.m { display: inline-block; min-width: 4.2rem; font-weight: 700; font-family: ui-monospace, monospace; }
.m.get { color: #0a6b2d; } .m.post { color: #8a4b00; } .m.delete { color: #a1001b; }
code, pre { font-family: ui-monospace, monospace; font-size: 13px; }
pre { background: #f5f5f7; padding: .6rem; overflow: auto; border-radius: 4px; max-height: 28rem; }
table { border-collapse: collapse; width: 100%; } td, th { text-align: left; vertical-align: top; padding: .2rem .5rem; border-bottom: 1px solid #eee; }
.muted { color: #666; }
</style>
</head>
<body>
<h1 id="title">API reference</h1>
<p class="muted" id="meta">Loading <code>openapi.json</code>…</p>
<nav id="nav"></nav>
<main id="main"></main>
<script src="docs.js"></script>
</body>
</html>
`;

export const DOCS_SCRIPT = `'use strict';
(function () {
  var base = location.pathname.replace(/\\/docs\\/?$/, '');
  var specUrl = base + '/openapi.json';
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) { node.append(c instanceof Node ? c : document.createTextNode(String(c))); });
    return node;
  }
  function pretty(value) { return el('pre', {}, [JSON.stringify(value, null, 2)]); }
  function refName(schema) { return schema && schema.$ref ? schema.$ref.split('/').pop() : null; }
  function schemaView(schema) {
    var name = refName(schema);
    return name ? el('p', {}, ['Schema: ', el('a', { href: '#schema-' + name }, [name])]) : pretty(schema);
  }
  function resolve(doc, obj) {
    if (obj && obj.$ref && obj.$ref.indexOf('#/components/responses/') === 0) return doc.components.responses[obj.$ref.split('/').pop()];
    return obj;
  }
  function operation(doc, path, method, op) {
    var body = el('div');
    if (op.description) body.append(el('p', {}, [op.description]));
    if (op.parameters && op.parameters.length) {
      var rows = op.parameters.map(function (p) {
        return el('tr', {}, [el('td', {}, [el('code', {}, [p.name])]), el('td', {}, [p.in + (p.required ? ', required' : '')]),
          el('td', {}, [p.description || '']), el('td', {}, [el('code', {}, [JSON.stringify(p.schema)])])]);
      });
      body.append(el('h4', {}, ['Parameters']), el('table', {}, [el('tr', {}, [el('th', {}, ['name']), el('th', {}, ['in']), el('th', {}, ['meaning']), el('th', {}, ['schema'])])].concat(rows)));
    }
    if (op.requestBody) {
      body.append(el('h4', {}, ['Request body' + (op.requestBody.required ? '' : ' (optional)')]));
      Object.keys(op.requestBody.content).forEach(function (type) { body.append(el('p', {}, [el('code', {}, [type])]), schemaView(op.requestBody.content[type].schema)); });
    }
    body.append(el('h4', {}, ['Responses']));
    Object.keys(op.responses).forEach(function (status) {
      var r = resolve(doc, op.responses[status]) || {};
      var line = el('p', {}, [el('b', {}, [status]), ' ', r.description || '']);
      body.append(line);
      Object.keys(r.content || {}).forEach(function (type) {
        var name = refName(r.content[type].schema);
        line.append(' — ', el('code', {}, [type]), name ? ' ' : '', name ? el('a', { href: '#schema-' + name }, [name]) : '');
      });
    });
    var summary = el('summary', {}, [el('span', { class: 'm ' + method }, [method.toUpperCase()]), el('code', {}, [path]), '  ', el('span', { class: 'muted' }, [op.summary || ''])]);
    return el('details', { class: 'op', id: op.operationId || path }, [summary, body]);
  }
  function render(doc) {
    document.title = doc.info.title + ' ' + doc.info.version + ' — API reference';
    document.getElementById('title').textContent = doc.info.title + ' API';
    var meta = document.getElementById('meta');
    meta.textContent = 'Version ' + doc.info.version + ' · OpenAPI ' + doc.openapi + ' · server ' + doc.servers[0].url + ' · ';
    meta.append(el('a', { href: specUrl }, ['openapi.json']));
    var main = document.getElementById('main');
    main.append(el('p', {}, [doc.info.description || '']));
    var byTag = {};
    Object.keys(doc.paths).forEach(function (path) {
      Object.keys(doc.paths[path]).forEach(function (method) {
        var op = doc.paths[path][method];
        var tag = (op.tags && op.tags[0]) || 'other';
        (byTag[tag] = byTag[tag] || []).push(operation(doc, path, method, op));
      });
    });
    var nav = document.getElementById('nav');
    (doc.tags || []).map(function (t) { return t.name; }).concat(['schemas']).forEach(function (tag) { nav.append(el('a', { href: '#tag-' + tag }, [tag])); });
    (doc.tags || []).forEach(function (t) {
      main.append(el('h2', { id: 'tag-' + t.name }, [t.name]), el('p', { class: 'muted' }, [t.description || '']));
      (byTag[t.name] || []).forEach(function (node) { main.append(node); });
    });
    main.append(el('h2', { id: 'tag-schemas' }, ['Schemas']));
    Object.keys(doc.components.schemas).forEach(function (name) {
      main.append(el('details', { class: 'op', id: 'schema-' + name }, [el('summary', {}, [el('code', {}, [name])]), el('div', {}, [pretty(doc.components.schemas[name])])]));
    });
    if (location.hash) { var target = document.getElementById(location.hash.slice(1)); if (target) { target.open = true; target.scrollIntoView(); } }
  }
  window.addEventListener('hashchange', function () { var t = document.getElementById(location.hash.slice(1)); if (t && t.tagName === 'DETAILS') t.open = true; });
  fetch(specUrl, { headers: { Accept: 'application/json' } })
    .then(function (res) { if (!res.ok) throw new Error(specUrl + ' answered ' + res.status); return res.json(); })
    .then(render)
    .catch(function (err) { document.getElementById('meta').textContent = 'Could not load the API document: ' + err.message; });
})();
`;
