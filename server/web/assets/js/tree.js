// The dependency tree of an artifact's vulnerable components: every path from the artifact
// through its direct dependencies to each of them, merged into one tree of nested lists, with
// the paths to the selected component highlighted.

import { h, badge } from './dom.js';

function key(c) {
  return c.id ? `id:${c.id}` : `purl:${c.purl}`;
}

/**
 * Merges paths into a tree. found maps a vulnerable component's purl to {severity, paths},
 * where paths lists component arrays from a direct dependency to that component.
 */
export function buildTree(found) {
  const root = { children: new Map(), reaches: new Set() };
  for (const [purl, { severity, paths }] of found) {
    for (const path of paths) {
      let node = root;
      node.reaches.add(purl);
      for (const c of path) {
        let next = node.children.get(key(c));
        if (!next) {
          next = { comp: c, children: new Map(), reaches: new Set() };
          node.children.set(key(c), next);
        }
        next.reaches.add(purl);
        node = next;
      }
      node.vulnerable = severity || 'unknown';
    }
  }
  return root;
}

function label(c) {
  const name = c.name || c.purl;
  return c.version ? `${name} ${c.version}` : name;
}

function renderNodes(node, selected) {
  const nodes = [...node.children.values()].sort((a, b) => label(a.comp).localeCompare(label(b.comp)));
  return h('ul', null, nodes.map((n) => {
    const on = selected !== '' && n.reaches.has(selected);
    const target = on && n.comp.purl === selected;
    return h('li', { class: on ? 'on-path' : null },
      h('span', { class: 'node', title: n.comp.purl, 'aria-current': target ? 'true' : null },
        label(n.comp),
        n.vulnerable ? [' ', badge(n.vulnerable, `vulnerable (${n.vulnerable})`)] : null,
        on ? h('span', { class: 'visually-hidden' }, target ? ' (selected component)' : ' (on the selected path)') : null),
      n.children.size ? renderNodes(n, selected) : null);
  }));
}

/** The tree as nested lists under the artifact's name; selected is a purl or "". */
export function renderTree(artifactName, tree, selected) {
  if (tree.children.size === 0) return h('p', { class: 'muted' }, 'No dependency path to a vulnerable component is recorded.');
  return h('div', { class: 'tree' },
    h('ul', null, h('li', { class: selected ? 'on-path' : null }, h('span', { class: 'node root' }, artifactName), renderNodes(tree, selected))));
}
