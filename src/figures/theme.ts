/** Colours shared by every ichdetect figure, so images, charts and later plots look like one set. */
export interface FigureTheme {
  name: 'dark' | 'light';
  background: string;
  /** Background of an image panel (what shows around a non-square image). */
  panel: string;
  text: string;
  muted: string;
  grid: string;
  axis: string;
}

export const DARK_THEME: FigureTheme = {
  name: 'dark',
  background: '#0d0f12',
  panel: '#000000',
  text: '#e8eaed',
  muted: '#9aa0a6',
  grid: '#2a2f36',
  axis: '#6b7178',
};

export const LIGHT_THEME: FigureTheme = {
  name: 'light',
  background: '#ffffff',
  panel: '#000000',
  text: '#1f2328',
  muted: '#5f6368',
  grid: '#e3e5e8',
  axis: '#80868b',
};

export type ThemeName = FigureTheme['name'];

export function resolveTheme(theme: ThemeName | FigureTheme | undefined, fallback: ThemeName): FigureTheme {
  const t = theme ?? fallback;
  if (typeof t !== 'string') return t;
  return t === 'light' ? LIGHT_THEME : DARK_THEME;
}

/**
 * One colour per hemorrhage label (Okabe–Ito, colour-blind safe, readable on both themes), so a
 * label has the same colour in the class-balance chart, ROC curves and calibration plots.
 */
export const LABEL_COLORS: Readonly<Record<string, string>> = {
  any: '#8c96a3',
  epidural: '#e69f00',
  intraparenchymal: '#56b4e9',
  intraventricular: '#009e73',
  subarachnoid: '#d55e00',
  subdural: '#cc79a7',
};

const EXTRA_COLORS = ['#0072b2', '#f0e442', '#999999', '#882255', '#44aa99', '#117733'];

/** The colour of `label`; unknown labels get a palette colour picked by their position. */
export function labelColor(label: string, index = 0): string {
  return LABEL_COLORS[label] ?? EXTRA_COLORS[index % EXTRA_COLORS.length]!;
}
