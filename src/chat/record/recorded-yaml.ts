import { Document, isMap, isPair, isScalar, isSeq, visit, type Node, type Pair } from 'yaml';
import type { ScenarioDoc } from './recording-types.js';

/**
 * The scenario as YAML in the shipped files' style: top-level sections and each step in block
 * style (so `save:` sits under its step), anything that fits on a line in flow style.
 */

/** A flow collection wider than this (as JSON, roughly its flow width) is written as a block. */
const FLOW_WIDTH = 110;

type Ancestor = Document | Node | Pair;

/** The key of the pair `up` levels above the node's parent (0: the pair holding the node itself). */
function keyAbove(path: readonly Ancestor[], up: number): unknown {
  const pair = path[path.length - 1 - up];
  return isPair(pair) && isScalar(pair.key) ? pair.key.value : undefined;
}

function flowIfNarrow(node: Node, path: readonly Ancestor[]): void {
  if (!isMap(node) && !isSeq(node)) return;
  const depth = path.filter((p) => isMap(p) || isSeq(p)).length;
  if (depth < 2) return;
  // A step (an item of a `steps:` list) stays a block so that save: and timeout: read as its modifiers.
  if (isMap(node) && isSeq(path[path.length - 1]) && keyAbove(path, 1) === 'steps') return;
  if (JSON.stringify(node.toJSON()).length <= FLOW_WIDTH) node.flow = true;
}

export function renderScenario(scenario: ScenarioDoc, header: readonly string[]): string {
  const doc = new Document(scenario);
  doc.commentBefore = header.map((line) => ` ${line}`).join('\n');
  visit(doc, {
    Map: (_key, node, path) => flowIfNarrow(node, path),
    Seq: (_key, node, path) => flowIfNarrow(node, path),
  });
  return doc.toString({ lineWidth: 0 });
}
