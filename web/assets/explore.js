// The graph explorer of /explore: fetches an entity's neighbourhood or a hypothesis's evidence
// from the JSON API and draws it as an SVG with a force-directed layout computed here.
// Every piece of stored text reaches the page through textContent or setAttribute, never as
// markup, because gene names, statements and clinical levels are data.
(function () {
  'use strict';

  var SVG_NS = 'http://www.w3.org/2000/svg';
  var WIDTH = 960;
  var HEIGHT = 640;
  var ITERATIONS = 300;
  var MAX_NEIGHBOURS = 30;
  // Above this many edges their labels would cover the graph; they move into tooltips.
  var MAX_EDGE_LABELS = 30;
  var MARGIN_X = 80;
  var MARGIN_Y = 24;
  var MAX_HYPOTHESES = 8;
  var MAX_GENE_FINDINGS = 12;
  var COLOURS = {
    gene: '#3a7bd5',
    clinical: '#e08a1e',
    pathway: '#2e9e5b',
    finding: '#8e5cc4',
    hypothesis: '#d0435b',
    other: '#7a7a7a'
  };

  var root = document.getElementById('explore');
  var svg = document.getElementById('explore-svg');
  var details = document.getElementById('explore-details');
  var status = document.getElementById('explore-status');
  var form = document.getElementById('explore-search');
  var input = document.getElementById('explore-q');
  var showFindings = document.getElementById('explore-findings');
  var hitsBox = document.getElementById('explore-hits');
  if (!root || !svg || !details || !status || !form || !input) {
    return;
  }

  // What is on screen, so the findings toggle can redraw without a new search.
  var current = null;

  function say(text) {
    status.textContent = text;
  }

  function getJson(path) {
    return fetch(path, { headers: { Accept: 'application/json' } }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) {
          throw new Error((body && body.error) || ('HTTP ' + r.status));
        }
        return body;
      });
    });
  }

  /** The colour class of an entity kind as the API names it. */
  function entityType(kind) {
    switch (kind) {
      case 'gene':
      case 'phosphosite':
      case 'acetylsite':
      case 'mirna':
      case 'mutation':
        return 'gene';
      case 'clinical_variable':
      case 'clinical_level':
        return 'clinical';
      case 'gene_set':
        return 'pathway';
      default:
        return 'other';
    }
  }

  function fmt(x) {
    if (typeof x !== 'number' || !isFinite(x)) {
      return '–';
    }
    if (x !== 0 && Math.abs(x) < 1e-3) {
      return x.toExponential(1);
    }
    return x.toFixed(3);
  }

  function short(text, n) {
    return text.length > n ? text.slice(0, n - 1) + '…' : text;
  }

  // ----- graph model -------------------------------------------------------------------

  function Graph() {
    this.nodes = [];
    this.byKey = {};
    this.edges = [];
  }

  /** Adds a node once per key; later calls may fill in what an earlier one lacked. */
  Graph.prototype.node = function (key, type, label, lines, action) {
    var n = this.byKey[key];
    if (!n) {
      n = { key: key, type: type, label: label, lines: lines || [], action: action || null };
      this.byKey[key] = n;
      this.nodes.push(n);
    } else if (n.type === 'other' && type !== 'other') {
      n.type = type;
    }
    return n;
  };

  Graph.prototype.edge = function (a, b, label) {
    for (var i = 0; i < this.edges.length; i++) {
      var e = this.edges[i];
      if (e.a === a && e.b === b && e.label === label) {
        return;
      }
    }
    this.edges.push({ a: a, b: b, label: label });
  };

  function entityNode(g, id, kind, key, label) {
    var lines = [kind ? kind.replace(/_/g, ' ') + ': ' + key : key];
    if (label && label !== key) {
      lines.push(label);
    }
    lines.push('click to centre here');
    return g.node('e' + id, entityType(kind), key, lines, { entity: id });
  }

  function findingNode(g, f) {
    var lines = [
      'finding n' + f.id + ' (' + f.module + ', run ' + f.run + ')',
      f.layer + ' ' + f.feature + ' vs ' + f.variable + (f.contrast ? ' (' + f.contrast + ')' : ''),
      'effect ' + fmt(f.effect) + ', p ' + fmt(f.p) + ', q ' + fmt(f.q) + ', n ' + f.n
    ];
    var action = f.claim_view ? { entity: f.claim_view.subject } : null;
    if (action) {
      lines.push('click to centre on ' + f.claim_view.subject_key);
    }
    return g.node('f' + f.id, 'finding', short(f.feature + ' · ' + f.variable, 28), lines, action);
  }

  function hypothesisNode(g, h) {
    var total = h.score && h.score.score ? h.score.score.total : undefined;
    var replication = h.score && h.score.replication ? h.score.replication.status : undefined;
    var lines = [
      'hypothesis n' + h.id + (h.rank ? ' (rank ' + h.rank + ')' : ''),
      h.statement,
      'score ' + fmt(total) + (replication ? ', ' + String(replication).replace(/_/g, ' ') : ''),
      'click to centre here'
    ];
    return g.node('h' + h.id, 'hypothesis', 'H' + (h.rank || h.id), lines, { hypothesis: h.id });
  }

  function bestQ(evidence) {
    var best = Infinity;
    (evidence || []).forEach(function (f) {
      if (typeof f.q === 'number' && f.q < best) {
        best = f.q;
      }
    });
    return best;
  }

  // ----- loading -----------------------------------------------------------------------

  function setAddress(name, value) {
    if (window.history && window.history.replaceState) {
      var params = new URLSearchParams();
      params.set(name, String(value));
      window.history.replaceState(null, '', '/explore?' + params.toString());
    }
  }

  function loadEntity(id) {
    say('loading entity n' + id + '…');
    getJson('/api/entities/' + encodeURIComponent(id) + '/neighbourhood')
      .then(function (hood) {
        var hypotheses = (hood.hypotheses || []).slice(0, MAX_HYPOTHESES);
        var lookups = hypotheses.map(function (h) {
          return getJson('/api/hypotheses/' + encodeURIComponent(h)).catch(function () {
            return null;
          });
        });
        // A gene's own findings, relation or not (a cis effect states none), strongest first.
        var gene = hood.entity && hood.entity.kind === 'gene' ? hood.entity.key : null;
        lookups.push(
          gene
            ? getJson('/api/findings?limit=' + MAX_GENE_FINDINGS + '&gene=' + encodeURIComponent(gene)).catch(function () {
                return null;
              })
            : Promise.resolve(null)
        );
        return Promise.all(lookups).then(function (results) {
          var own = results.pop();
          current = {
            mode: 'entity',
            hood: hood,
            hypotheses: results.filter(Boolean),
            findings: (own && own.findings) || []
          };
          if (hood.entity) {
            input.value = hood.entity.key;
            // Genes are found again by name; other keys (a clinical level, a gene set) are not
            // all searchable, so the address names them by id.
            setAddress('entity', hood.entity.kind === 'gene' ? hood.entity.key : 'n' + hood.centre);
          }
          draw();
        });
      })
      .catch(function (e) {
        say('could not load the entity: ' + e.message);
      });
  }

  function buildEntity(state) {
    var g = new Graph();
    var hood = state.hood;
    var e = hood.entity || {};
    var centre = entityNode(g, hood.centre, e.kind, e.key || 'n' + hood.centre, e.label);
    centre.centre = true;
    var withFindings = showFindings && showFindings.checked;
    var neighbours = (hood.neighbours || []).slice(0, MAX_NEIGHBOURS);
    neighbours.forEach(function (nb) {
      var other = entityNode(g, nb.entity, nb.kind, nb.key, nb.label);
      var q = bestQ(nb.evidence);
      var label = nb.relation.replace(/_/g, ' ') + (isFinite(q) ? ' q=' + fmt(q) : '');
      if (nb.prior && !(nb.evidence && nb.evidence.length)) {
        label += ' (prior)';
      }
      var from = nb.outgoing ? centre : other;
      var to = nb.outgoing ? other : centre;
      if (withFindings && nb.evidence && nb.evidence.length) {
        var best = nb.evidence.slice().sort(function (a, b) {
          return (a.q === undefined ? 2 : a.q) - (b.q === undefined ? 2 : b.q);
        })[0];
        var f = findingNode(g, best);
        g.edge(f, from, 'subject');
        g.edge(f, to, label);
      } else {
        g.edge(from, to, label);
      }
    });
    state.hypotheses.forEach(function (h) {
      g.edge(hypothesisNode(g, h), centre, 'concerns');
    });
    // The gene's own findings when asked for, or when it has no relation to show.
    var ownShown = (withFindings || !neighbours.length) && state.findings.length > 0;
    if (ownShown) {
      state.findings.forEach(function (f) {
        g.edge(findingNode(g, f), centre, typeof f.q === 'number' ? 'q=' + fmt(f.q) : 'p=' + fmt(f.p));
      });
    }
    var shown = neighbours.length;
    var total = (hood.neighbours || []).length;
    say(
      (e.key || 'entity') + ': ' + total + ' relation' + (total === 1 ? '' : 's') +
        (shown < total ? ' (' + shown + ' strongest shown)' : '') + ', ' +
        (hood.hypotheses || []).length + ' hypothes' + ((hood.hypotheses || []).length === 1 ? 'is' : 'es') +
        (ownShown ? ', ' + state.findings.length + ' of its strongest findings' : '')
    );
    return g;
  }

  function loadHypothesis(id) {
    say('loading hypothesis n' + id + '…');
    getJson('/api/hypotheses/' + encodeURIComponent(id))
      .then(function (h) {
        // The evidence names entities by id and key only; their kinds colour the nodes. A
        // finding that states no relation (a cis effect) is linked to the entity its feature
        // names, found by the same search as the search box.
        // A finding without a relation (a cis effect, a module score) is also linked to what
        // it was tested against, when the store has that entity under the exact name.
        var ids = [];
        var features = [];
        var variables = [];
        (h.evidence || []).forEach(function (link) {
          var f = link.finding;
          var c = f && f.claim_view;
          if (c) {
            [c.subject, c.object].forEach(function (e) {
              if (ids.indexOf(e) < 0) {
                ids.push(e);
              }
            });
          } else if (f) {
            if (features.indexOf(f.feature) < 0) {
              features.push(f.feature);
            }
            if (f.variable && variables.indexOf(f.variable) < 0) {
              variables.push(f.variable);
            }
          }
        });
        var kinds = Promise.all(
          ids.slice(0, 16).map(function (e) {
            return getJson('/api/entities/' + encodeURIComponent(e) + '/neighbourhood')
              .then(function (hood) {
                return [e, hood.entity];
              })
              .catch(function () {
                return [e, null];
              });
          })
        );
        var named = Promise.all(
          features.slice(0, 8).map(function (name) {
            return getJson('/api/entities?search=' + encodeURIComponent(name))
              .then(function (body) {
                var hits = body.entities || [];
                return [name, hits.filter(function (e) { return e.kind !== 'mutation'; })[0] || null];
              })
              .catch(function () {
                return [name, null];
              });
          })
        );
        var tested = Promise.all(
          variables.slice(0, 8).map(function (variable) {
            var gene = / mutation$/.test(variable) ? variable.replace(/ mutation$/, '') : null;
            var wanted = gene ? { kind: 'mutation', key: gene } : { kind: 'clinical_variable', key: variable };
            return getJson('/api/entities?search=' + encodeURIComponent(wanted.key))
              .then(function (body) {
                var hit = (body.entities || []).filter(function (e) {
                  return e.kind === wanted.kind && e.key.toLowerCase() === wanted.key.toLowerCase();
                })[0];
                return [variable, hit || null];
              })
              .catch(function () {
                return [variable, null];
              });
          })
        );
        return Promise.all([kinds, named, tested]).then(function (found) {
          var entities = {};
          found[0].forEach(function (p) {
            entities[p[0]] = p[1];
          });
          var byFeature = {};
          found[1].forEach(function (p) {
            byFeature[p[0]] = p[1];
          });
          var byVariable = {};
          found[2].forEach(function (p) {
            byVariable[p[0]] = p[1];
          });
          current = {
            mode: 'hypothesis',
            hypothesis: h,
            entities: entities,
            byFeature: byFeature,
            byVariable: byVariable
          };
          setAddress('hypothesis', h.id);
          draw();
        });
      })
      .catch(function (e) {
        say('could not load the hypothesis: ' + e.message);
      });
  }

  function buildHypothesis(state) {
    var g = new Graph();
    var h = state.hypothesis;
    var centre = hypothesisNode(g, h);
    centre.centre = true;
    (h.evidence || []).forEach(function (link) {
      var f = link.finding;
      if (!f) {
        return;
      }
      var fn = findingNode(g, f);
      g.edge(fn, centre, link.stance);
      var c = f.claim_view;
      if (c) {
        var se = state.entities[c.subject] || {};
        var oe = state.entities[c.object] || {};
        var s = entityNode(g, c.subject, se.kind, c.subject_key, se.label);
        var o = entityNode(g, c.object, oe.kind, c.object_key, oe.label);
        g.edge(fn, s, 'subject');
        g.edge(fn, o, c.relation.replace(/_/g, ' ') + (typeof f.q === 'number' ? ' q=' + fmt(f.q) : ''));
      } else {
        var e = (state.byFeature || {})[f.feature];
        if (e) {
          g.edge(fn, entityNode(g, e.id, e.kind, e.key, e.label), 'about' + (typeof f.q === 'number' ? ' q=' + fmt(f.q) : ''));
        }
        var v = (state.byVariable || {})[f.variable];
        if (v) {
          g.edge(fn, entityNode(g, v.id, v.kind, v.key, v.label), 'tested against');
        }
      }
    });
    say('hypothesis n' + h.id + ': ' + (h.evidence || []).length + ' findings — ' + short(h.statement, 160));
    return g;
  }

  /** Other entities the search matched (the mutation or a site of a gene), one click away. */
  function showHits(hits, pick) {
    if (!hitsBox) {
      return;
    }
    while (hitsBox.firstChild) {
      hitsBox.removeChild(hitsBox.firstChild);
    }
    var others = hits.filter(function (e) {
      return e !== pick;
    });
    if (!others.length) {
      return;
    }
    hitsBox.appendChild(document.createTextNode('also: '));
    others.forEach(function (e) {
      var b = document.createElement('button');
      b.type = 'button';
      b.textContent = e.kind.replace(/_/g, ' ') + ' ' + e.key;
      b.addEventListener('click', function () {
        loadEntity(e.id);
      });
      hitsBox.appendChild(b);
      hitsBox.appendChild(document.createTextNode(' '));
    });
  }

  function search(text) {
    var q = text.trim();
    if (!q) {
      say('type a gene symbol or alias');
      return;
    }
    var byId = /^n([0-9]+)$/.exec(q);
    if (byId) {
      loadEntity(byId[1]);
      return;
    }
    say('searching ' + q + '…');
    getJson('/api/entities?search=' + encodeURIComponent(q))
      .then(function (body) {
        var hits = body.entities || [];
        var pick = hits.filter(function (e) {
          return e.kind === 'gene';
        })[0] || hits[0];
        showHits(hits, pick);
        if (!pick) {
          var gene = body.gene || {};
          var note = gene.status === 'resolved' ? ' (' + gene.symbol + ' is known but has no findings here)' : '';
          say('no entity named ' + q + ' in this store' + note);
          return;
        }
        loadEntity(pick.id);
      })
      .catch(function (e) {
        say('search failed: ' + e.message);
      });
  }

  // ----- layout ------------------------------------------------------------------------

  /** Spring-electrical layout: nodes repel, edges pull, a weak pull keeps all in view. */
  function layout(g) {
    var n = g.nodes.length;
    // Ideal edge length: shorter for crowded graphs, within bounds so a few nodes stay
    // together and many still have room for their labels.
    var k = Math.max(60, Math.min(Math.sqrt((WIDTH * HEIGHT) / Math.max(n, 1)) * 0.9, 150));
    g.nodes.forEach(function (node, i) {
      var angle = (2 * Math.PI * i) / Math.max(n, 1);
      var r = node.centre ? 0 : 120 + 40 * (i % 3);
      node.x = WIDTH / 2 + r * Math.cos(angle);
      node.y = HEIGHT / 2 + r * Math.sin(angle);
    });
    var temperature = WIDTH / 8;
    for (var it = 0; it < ITERATIONS; it++) {
      var dx = new Float64Array(n);
      var dy = new Float64Array(n);
      for (var i = 0; i < n; i++) {
        for (var j = i + 1; j < n; j++) {
          var a = g.nodes[i];
          var b = g.nodes[j];
          var x = a.x - b.x;
          var y = a.y - b.y;
          var d2 = Math.max(x * x + y * y, 1);
          var f = (k * k) / d2;
          dx[i] += x * f;
          dy[i] += y * f;
          dx[j] -= x * f;
          dy[j] -= y * f;
        }
      }
      g.edges.forEach(function (e) {
        var ia = g.nodes.indexOf(e.a);
        var ib = g.nodes.indexOf(e.b);
        var x = e.a.x - e.b.x;
        var y = e.a.y - e.b.y;
        var d = Math.max(Math.sqrt(x * x + y * y), 1);
        var f = d / k;
        dx[ia] -= x * f;
        dy[ia] -= y * f;
        dx[ib] += x * f;
        dy[ib] += y * f;
      });
      for (var m = 0; m < n; m++) {
        var node = g.nodes[m];
        if (node.centre) {
          node.x = WIDTH / 2;
          node.y = HEIGHT / 2;
          continue;
        }
        dx[m] += (WIDTH / 2 - node.x) * 0.02;
        dy[m] += (HEIGHT / 2 - node.y) * 0.02;
        var len = Math.max(Math.sqrt(dx[m] * dx[m] + dy[m] * dy[m]), 1e-9);
        var step = Math.min(len, temperature);
        node.x = Math.min(WIDTH - MARGIN_X, Math.max(MARGIN_X, node.x + (dx[m] / len) * step));
        node.y = Math.min(HEIGHT - MARGIN_Y, Math.max(MARGIN_Y, node.y + (dy[m] / len) * step));
      }
      temperature = Math.max(temperature * 0.985, 0.5);
    }
  }

  // ----- drawing -----------------------------------------------------------------------

  function el(name, attrs, text) {
    var e = document.createElementNS(SVG_NS, name);
    Object.keys(attrs).forEach(function (k) {
      e.setAttribute(k, String(attrs[k]));
    });
    if (text !== undefined) {
      e.textContent = text;
    }
    return e;
  }

  function showDetails(node) {
    while (details.firstChild) {
      details.removeChild(details.firstChild);
    }
    var heading = document.createElement('strong');
    heading.textContent = node.label;
    details.appendChild(heading);
    node.lines.forEach(function (line) {
      var p = document.createElement('div');
      p.textContent = line;
      details.appendChild(p);
    });
    if (node.action && node.action.hypothesis !== undefined) {
      var a = document.createElement('a');
      a.href = '/hypotheses/' + encodeURIComponent(node.action.hypothesis);
      a.textContent = 'open the hypothesis page';
      details.appendChild(a);
    }
  }

  function act(node) {
    if (!node.action || node.centre) {
      return;
    }
    if (node.action.entity !== undefined) {
      loadEntity(node.action.entity);
    } else if (node.action.hypothesis !== undefined) {
      loadHypothesis(node.action.hypothesis);
    }
  }

  function draw() {
    if (!current) {
      return;
    }
    var g = current.mode === 'entity' ? buildEntity(current) : buildHypothesis(current);
    layout(g);
    while (svg.firstChild) {
      svg.removeChild(svg.firstChild);
    }
    var edgeLayer = el('g', { class: 'edges' });
    var nodeLayer = el('g', { class: 'nodes' });
    svg.appendChild(edgeLayer);
    svg.appendChild(nodeLayer);
    var labelled = g.edges.length <= MAX_EDGE_LABELS;
    g.edges.forEach(function (e) {
      var line = el('line', { x1: e.a.x, y1: e.a.y, x2: e.b.x, y2: e.b.y, stroke: '#aab', 'stroke-width': 1.2 });
      line.appendChild(el('title', {}, e.a.label + ' — ' + e.label + ' — ' + e.b.label));
      edgeLayer.appendChild(line);
      if (labelled) {
        edgeLayer.appendChild(
          el(
            'text',
            { x: (e.a.x + e.b.x) / 2, y: (e.a.y + e.b.y) / 2 - 3, 'font-size': 9, fill: '#556', 'text-anchor': 'middle' },
            e.label
          )
        );
      }
    });
    g.nodes.forEach(function (node) {
      var group = el('g', {
        class: 'node node-' + node.type + (node.centre ? ' centre' : ''),
        transform: 'translate(' + node.x.toFixed(1) + ',' + node.y.toFixed(1) + ')',
        tabindex: 0,
        role: 'button'
      });
      group.setAttribute('data-key', node.key);
      group.appendChild(el('title', {}, node.lines.join('\n')));
      group.appendChild(
        el('circle', {
          r: node.centre ? 14 : 9,
          fill: COLOURS[node.type] || COLOURS.other,
          stroke: node.centre ? '#222' : '#fff',
          'stroke-width': 2
        })
      );
      group.appendChild(el('text', { x: 0, y: node.centre ? 28 : 21, 'font-size': 11, 'text-anchor': 'middle', fill: '#222' }, short(node.label, 24)));
      group.style.cursor = node.action && !node.centre ? 'pointer' : 'default';
      group.addEventListener('mouseenter', function () {
        showDetails(node);
      });
      group.addEventListener('focus', function () {
        showDetails(node);
      });
      group.addEventListener('click', function () {
        act(node);
      });
      group.addEventListener('keydown', function (ev) {
        if (ev.key === 'Enter') {
          act(node);
        }
      });
      nodeLayer.appendChild(group);
    });
    var centre = g.nodes.filter(function (x) {
      return x.centre;
    })[0];
    if (centre) {
      showDetails(centre);
    }
    svg.setAttribute('data-nodes', String(g.nodes.length));
  }

  // ----- start -------------------------------------------------------------------------

  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    search(input.value);
  });
  if (showFindings) {
    showFindings.addEventListener('change', draw);
  }
  var startHypothesis = root.getAttribute('data-hypothesis');
  var startEntity = root.getAttribute('data-entity');
  if (startHypothesis) {
    loadHypothesis(startHypothesis);
  } else if (startEntity) {
    search(startEntity);
  } else {
    say('type a gene symbol or alias, e.g. PTEN');
  }
})();
