import type { BleedPlan, StudyPlan, Subtype } from './plan.js';
import { outlineFactor, swirlField } from './style-b.js';
import { Tissue } from './tissue.js';

/** One rendered slice before acquisition: noiseless HU, tissue codes and a mask per bleeding subtype. */
export interface RenderedSlice {
  hu: Float32Array;
  tissue: Uint8Array;
  masks: Partial<Record<Subtype, Uint8Array>>;
}

/** Head cross-section scale along the series: widest above the skull base, small at the vertex. */
function levelScale(t: number): number {
  return Math.sqrt(Math.max(0.05, 1 - ((t - 0.4) / 0.68) ** 2));
}

const TWO_PI = 2 * Math.PI;

/** The angle brought into [-π, π]. */
function wrapAngle(a: number): number {
  return a - TWO_PI * Math.round(a / TWO_PI);
}

function inEllipse(x: number, y: number, cx: number, cy: number, ax: number, ay: number): boolean {
  const dx = (x - cx) / ax;
  const dy = (y - cy) / ay;
  return dx * dx + dy * dy < 1;
}

/** A bleed's strength on slice i: 0 outside its z extent, 1 at its centre (ellipsoidal profile). */
function bleedWeight(b: BleedPlan, i: number): number {
  const w = 1 - ((i - b.zCenter) / b.zHalf) ** 2;
  return w > 0 ? Math.sqrt(w) : 0;
}

interface Level {
  t: number;
  /** Outer skull semi-axes at this level, pixels. */
  a: number;
  b: number;
  lateralVentricles: number;
  thirdVentricle: boolean;
  fourthVentricle: boolean;
  cisterns: boolean;
  deepGrey: boolean;
  skullBase: number;
}

function levelOf(plan: StudyPlan, i: number): Level {
  const t = plan.slices > 1 ? i / (plan.slices - 1) : 0.5;
  const s = levelScale(t);
  return {
    t,
    a: plan.head.halfWidth * s,
    b: plan.head.halfLength * s,
    lateralVentricles: t > 0.36 && t < 0.68 ? Math.sin((Math.PI * (t - 0.36)) / 0.32) : 0,
    thirdVentricle: t > 0.26 && t < 0.4,
    fourthVentricle: t > 0.08 && t < 0.22,
    cisterns: t > 0.14 && t < 0.28,
    deepGrey: t > 0.3 && t < 0.55,
    skullBase: t < 0.22 ? 1 - t / 0.22 : 0,
  };
}

/** Deep structure at normalised head coordinates (un, vn in units of the half axes), or undefined. */
function deepStructure(L: Level, un: number, vn: number, side: number): number | undefined {
  if (L.lateralVentricles > 0) {
    const f = L.lateralVentricles;
    const vc = -0.06 + 0.3 * (L.t - 0.36);
    if (inEllipse(un * side, vn, 0.12, vc, 0.025 + 0.06 * f, 0.08 + 0.24 * f)) return Tissue.ventricle;
  }
  if (L.thirdVentricle && Math.abs(un) < 0.018 && Math.abs(vn - 0.02) < 0.15) return Tissue.ventricle;
  if (L.fourthVentricle && inEllipse(un, vn, 0, 0.4, 0.07, 0.045)) return Tissue.ventricle;
  if (L.cisterns) {
    const d = Math.hypot(un, (vn + 0.08) * 0.9);
    if (d > 0.15 && d < 0.2) return Tissue.cistern;
  }
  if (L.deepGrey && inEllipse(un * side, vn, 0.2, 0.02, 0.09, 0.17)) return Tissue.grey;
  return undefined;
}

/**
 * Renders slice i of a study: scalp, a skull with outer table, diploë and inner table, a CSF rim,
 * cortex with sulci, white matter with a smooth texture, ventricles, cisterns, deep grey matter,
 * calcifications, petrous bone and beam-hardening streaks at the skull base; then the study's
 * bleeds, each with its radiological look. `out` buffers are reused when given.
 */
export function renderSlice(plan: StudyPlan, i: number, out?: RenderedSlice): RenderedSlice {
  const h = plan.head;
  const n = h.size * h.size;
  const hu = out?.hu ?? new Float32Array(n);
  const tissue = out?.tissue ?? new Uint8Array(n);
  const L = levelOf(plan, i);
  const active = plan.bleeds.map((b) => ({ b, w: bleedWeight(b, i) })).filter((x) => x.w > 0);
  const masks: RenderedSlice['masks'] = {};
  for (const { b } of active) masks[b.subtype] ??= new Uint8Array(n);
  const cos = Math.cos(h.tilt);
  const sin = Math.sin(h.tilt);
  const skull = h.outerTable + h.diploe + h.innerTable;
  const brainStart = skull + h.csfRim;
  const sulci = sulcusBuckets(h.sulci);
  const maxSulcus = Math.max(...h.sulci.map((s) => s.depth));
  const texture = textureTables(h);
  const px: Pixel = { value: 0, code: 0, u: 0, v: 0, un: 0, vn: 0, angle: 0, depth: 0 };
  for (let y = 0; y < h.size; y++) {
    for (let x = 0; x < h.size; x++) {
      const p = y * h.size + x;
      const dx = x + 0.5 - h.cx;
      const dy = y + 0.5 - h.cy;
      const u = dx * cos + dy * sin;
      const v = -dx * sin + dy * cos;
      const r = Math.sqrt(u * u + v * v);
      const un = u / L.a;
      const vn = v / L.b;
      const rho = Math.sqrt(un * un + vn * vn) / (h.styleB ? outlineFactor(h.styleB, Math.atan2(vn, un)) : 1);
      const depth = r > 0 ? (r / rho - r) * h.spacing : L.a * h.spacing; // mm inside the outer skull surface
      px.u = u;
      px.v = v;
      px.un = un;
      px.vn = vn;
      px.depth = depth - skull;
      if (depth < -h.scalp) set(px, -1000, Tissue.air);
      else if (depth < 0) set(px, h.scalpHu, Tissue.scalp);
      else if (depth < h.outerTable || (depth >= h.outerTable + h.diploe && depth < skull)) set(px, h.corticalBone, Tissue.corticalBone);
      else if (depth < skull) set(px, h.diploeHu, Tissue.diploe);
      else {
        px.angle = Math.atan2(v, u);
        if (depth < brainStart) set(px, h.csf, Tissue.csf);
        else brain(px, h, L, depth - brainStart, r, maxSulcus, sulci, texture[0]![x]! * texture[1]![y]! + texture[2]![x]! * texture[3]![y]!);
        for (const { b, w } of active) paintBleed(b, w, L, h.spacing, masks[b.subtype]!, p, px);
      }
      hu[p] = px.value;
      tissue[p] = px.code;
    }
  }
  return { hu, tissue, masks };
}

/** The pixel being rendered: its value and tissue, and where it lies in head coordinates. */
interface Pixel {
  value: number;
  code: number;
  u: number;
  v: number;
  /** Normalised coordinates, in units of this level's half axes. */
  un: number;
  vn: number;
  angle: number;
  /** mm inside the inner table (negative in the skull and outside). */
  depth: number;
}

function set(px: Pixel, value: number, code: number): void {
  px.value = value;
  px.code = code;
}

/** Brain tissue at a pixel: deep structures, sulci, cortex or white matter, texture, calcifications, skull base. */
function brain(px: Pixel, h: StudyPlan['head'], L: Level, brainDepth: number, r: number, maxSulcus: number, sulci: Sulcus[][], texture: number): void {
  const side = px.un < 0 ? -1 : 1;
  const deep = deepStructure(L, px.un, px.vn, side);
  if (deep !== undefined) set(px, deep === Tissue.grey ? h.grey : h.csf, deep);
  else if (brainDepth < maxSulcus && inSulcus(sulci, px.angle, r * h.spacing, brainDepth)) set(px, h.csf, Tissue.sulcus);
  else if (brainDepth < h.cortex) set(px, h.grey, Tissue.grey);
  else set(px, h.white, Tissue.white);
  if (px.code === Tissue.grey || px.code === Tissue.white) {
    px.value += texture;
    if (L.skullBase > 0 && Math.abs(px.un) < 0.4) px.value -= h.streaks * L.skullBase * Math.exp(-(((px.vn - 0.12) / 0.035) ** 2));
  }
  calcifications(px, h, L, side);
  const falx = h.styleB?.falx;
  if (falx && L.t > 0.35 && Math.abs(px.u) * h.spacing < falx.width / 2 && px.vn > falx.from && px.vn < falx.to) set(px, falx.hu, Tissue.calcification);
  if (L.skullBase > 0.3 && inEllipse(Math.abs(px.un), px.vn, 0.42, 0.12, 0.2 * L.skullBase + 0.05, 0.05)) set(px, h.corticalBone * 0.8, Tissue.corticalBone);
}

type Sulcus = StudyPlan['head']['sulci'][number];
const SULCUS_BUCKETS = 64;

/** Sulci grouped by angle, each listed in its own bucket and both neighbours, so a pixel checks a few. */
function sulcusBuckets(sulci: Sulcus[]): Sulcus[][] {
  const buckets: Sulcus[][] = Array.from({ length: SULCUS_BUCKETS }, () => []);
  for (const s of sulci) {
    const k = Math.floor(((wrapAngle(s.angle) + Math.PI) / (2 * Math.PI)) * SULCUS_BUCKETS) % SULCUS_BUCKETS;
    for (const d of [-1, 0, 1]) buckets[(k + d + SULCUS_BUCKETS) % SULCUS_BUCKETS]!.push(s);
  }
  return buckets;
}

/** Separable smooth texture: Σ_k column_k[x] · row_k[y] (two products of sinusoids). */
function textureTables(h: StudyPlan['head']): Float32Array[] {
  const tables: Float32Array[] = [];
  for (const t of h.texture.slice(0, 2)) {
    tables.push(Float32Array.from({ length: h.size }, (_, x) => t.amplitude * Math.sin(t.fu * x + t.pu)));
    tables.push(Float32Array.from({ length: h.size }, (_, y) => Math.sin(t.fv * y + t.pv)));
  }
  return [tables[0]!, tables[1]!, tables[2]!, tables[3]!];
}

function inSulcus(buckets: Sulcus[][], angle: number, radiusMm: number, brainDepth: number): boolean {
  const k = Math.floor(((angle + Math.PI) / (2 * Math.PI)) * SULCUS_BUCKETS) % SULCUS_BUCKETS;
  for (const s of buckets[k]!) {
    if (brainDepth >= s.depth) continue;
    const arc = Math.abs(wrapAngle(angle - s.angle)) * radiusMm;
    if (arc < (s.width / 2) * (1 - brainDepth / s.depth + 0.3)) return true;
  }
  return false;
}

function calcifications(px: Pixel, h: StudyPlan['head'], L: Level, side: number): void {
  const mm = (du: number, dv: number) => Math.sqrt((px.u - du * L.a) ** 2 + (px.v - dv * L.b) ** 2) * h.spacing;
  if (h.pineal && L.t > 0.33 && L.t < 0.42 && mm(0, 0.2) < h.pineal.radius) set(px, h.pineal.hu, Tissue.calcification);
  else if (h.choroid && L.lateralVentricles > 0.5 && mm(0.12 * side, 0.2) < h.choroid.radius) set(px, h.choroid.hu, Tissue.calcification);
}

/**
 * Thinner than this, blood would be lost in partial volume with the adjacent bone (no reader could
 * see it), so it is not painted: every labelled bleed is at least a few pixels thick at 512².
 */
const MIN_VISIBLE_MM = 2;

/** Paints one bleed on pixel p where it lies, marking its mask. */
function paintBleed(b: BleedPlan, w: number, L: Level, spacing: number, mask: Uint8Array, p: number, c: Pixel): void {
  const da = wrapAngle(c.angle - b.angle);
  const swirl = b.swirl;
  const blood = (): void => {
    mask[p] = 1;
    const unclotted = swirl && swirlField(c.u * spacing, c.v * spacing, swirl.scale, b.phases[2]!) < swirl.share;
    set(c, unclotted ? b.hu - swirl.drop : b.hu, Tissue.blood);
  };
  const edge = 1 + (b.edge ?? 0) * Math.sin(7 * da + b.phases[1]!);
  switch (b.subtype) {
    case 'epidural': {
      // Biconvex lens against the inner table, confined between sutures (a short arc).
      if (Math.abs(da) >= b.halfAngle) break;
      const t = b.thickness * w * (1 - (da / b.halfAngle) ** 2);
      if (c.depth < t * edge && t >= MIN_VISIBLE_MM) blood();
      break;
    }
    case 'subdural': {
      // Crescent along the convexity: long, thin, flat profile, crossing sutures.
      if (Math.abs(da) >= b.halfAngle) break;
      const t = b.thickness * w * Math.sqrt(1 - (da / b.halfAngle) ** 4);
      if (c.depth < t * edge && t >= MIN_VISIBLE_MM) blood();
      break;
    }
    case 'subarachnoid': {
      if ((c.code === Tissue.sulcus && Math.abs(da) < b.halfAngle) || (b.cisterns && c.code === Tissue.cistern)) blood();
      break;
    }
    case 'intraparenchymal': {
      if (c.code !== Tissue.grey && c.code !== Tissue.white) break;
      const du = c.u - b.u * L.a;
      const dv = c.v - b.v * L.b;
      const dist = Math.sqrt(du * du + dv * dv) * spacing;
      const phi = Math.atan2(dv, du);
      const radius = b.radius * w * (1 + 0.18 * Math.sin(3 * phi + b.phases[0]!) + 0.1 * Math.sin(5 * phi + b.phases[1]!));
      if (radius < MIN_VISIBLE_MM) break;
      if (dist < radius) blood();
      else if (dist < radius + 2 + 0.25 * b.radius) set(c, c.value - 12, Tissue.edema);
      break;
    }
    case 'intraventricular': {
      // Dependent layering: the posterior (dependent, patient supine) part of the ventricles fills.
      if (c.code !== Tissue.ventricle || L.lateralVentricles <= 0) break;
      const vc = -0.06 + 0.3 * (L.t - 0.36);
      const half = 0.08 + 0.24 * L.lateralVentricles;
      if ((c.vn - vc) / half > 1 - 2 * b.level * w) blood();
      break;
    }
  }
}
