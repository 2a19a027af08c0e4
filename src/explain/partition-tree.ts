// shap's image partition: the tree of rectangles partition SHAP hides and reveals, and a node's pixels as a mask.
/**
 * shap's image partition: a binary tree of axis-aligned rectangles over H×W. Node 0 is the whole image;
 * a parent's index is lower than its children's. Leaves are single pixels.
 */
export interface PartitionTree {
  height: number;
  width: number;
  /** Number of nodes (2·H·W − 1). */
  count: number;
  /** Rows [r0, r1) and columns [c0, c1) of each node: r0, r1, c0, c1 at 4·i. */
  rects: Int32Array;
  /** Children (−1 at leaves). */
  left: Int32Array;
  right: Int32Array;
  parent: Int32Array;
  /** Pixels in each node. */
  size: Int32Array;
  depth: Int32Array;
}

export function partitionTree(height: number, width: number): PartitionTree {
  if (!(Number.isInteger(height) && Number.isInteger(width) && height >= 1 && width >= 1)) throw new Error(`partition tree: bad size ${height}×${width}`);
  const count = 2 * height * width - 1;
  const rects = new Int32Array(4 * count);
  const left = new Int32Array(count).fill(-1);
  const right = new Int32Array(count).fill(-1);
  const parent = new Int32Array(count).fill(-1);
  const size = new Int32Array(count);
  const depth = new Int32Array(count);
  rects.set([0, height, 0, width], 0);
  let next = 1;
  // Breadth-first: node i's children are created when i is visited, so they come after it.
  for (let i = 0; i < next; i++) {
    const r0 = rects[4 * i], r1 = rects[4 * i + 1], c0 = rects[4 * i + 2], c1 = rects[4 * i + 3];
    const rows = r1 - r0;
    const cols = c1 - c0;
    size[i] = rows * cols;
    if (rows === 1 && cols === 1) continue;
    const l = next++;
    const r = next++;
    if (rows >= cols) {
      const mid = r0 + (rows >> 1);
      rects.set([r0, mid, c0, c1], 4 * l);
      rects.set([mid, r1, c0, c1], 4 * r);
    } else {
      const mid = c0 + (cols >> 1);
      rects.set([r0, r1, c0, mid], 4 * l);
      rects.set([r0, r1, mid, c1], 4 * r);
    }
    left[i] = l;
    right[i] = r;
    parent[l] = parent[r] = i;
    depth[l] = depth[r] = depth[i] + 1;
  }
  if (next !== count) throw new Error(`partition tree: built ${next} nodes, expected ${count}`);
  return { height, width, count, rects, left, right, parent, size, depth };
}

/** Sets keep[p] = value for every pixel of the tree node's rectangle. */
export function fillRect(tree: PartitionTree, node: number, keep: Uint8Array, value = 1): void {
  const { rects, width } = tree;
  const r0 = rects[4 * node], r1 = rects[4 * node + 1], c0 = rects[4 * node + 2], c1 = rects[4 * node + 3];
  for (let r = r0; r < r1; r++) keep.fill(value, r * width + c0, r * width + c1);
}
