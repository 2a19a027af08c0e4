/** Figures: PNG renderings of slices, data sets and (later) model results. */
export { inspectFigure, inspectFigureLayout, DEFAULT_PANEL_SIZE, DEFAULT_HU_RANGE, type InspectFigureOptions, type InspectLayout, type InspectPanel, type InspectPanelKind } from './inspect.js';
export { labelDistributionChart, labelDistributionLayout, formatPercent, type LabelCount, type LabelChartOptions, type LabelChartLayout, type LabelBar } from './label-distribution.js';
export { createFigure, drawText, panelTitle, toPng, writePng, font, figureFontFamily, registerFigureFont, formatCount, formatSigned, PANEL_TITLE_HEIGHT, type Figure, type TextStyle } from './canvas.js';
export { greyToRgba, channelsToRgba, imageData, normalizeLinear, minMax } from './raster.js';
export { DARK_THEME, LIGHT_THEME, LABEL_COLORS, labelColor, resolveTheme, type FigureTheme, type ThemeName } from './theme.js';
export { phantomPreview, phantomPreviewLayout, maskOutline, DEFAULT_PREVIEW_PANEL_SIZE, type PreviewExample, type PreviewRow, type PhantomPreviewOptions, type PreviewLayout, type PreviewRowLayout, type PreviewPanel, type PreviewCaption, type MaskOutline } from './phantom-preview.js';
export { plotPixel, scaleFraction, formatMetric, UNIT_SCALE, REFERENCE_DASH, type PlotRect, type AxisScale, type MarkerShape } from './axes.js';
export { rocFigure, rocLayout, rocPixel, ROC_X_TITLE, ROC_Y_TITLE, ROC_CURVE_WIDTH, ROC_MARKER_RADIUS, type RocPlotCurve, type RocOperatingPoint, type RocFigureOptions, type RocLayout, type RocLegendEntry, type RocMarker, type RocMarkerLegend } from './roc.js';
export { calibrationFigure, calibrationLayout, calibrationPixel, calibrationMarkerRadius, CALIBRATION_MARKER_RADIUS, type CalibrationBin, type CalibrationSeries, type CalibrationFigureOptions, type CalibrationLayout, type CalibrationPoint, type CalibrationBar, type CalibrationLegendEntry } from './calibration.js';
export { shapFigure, shapLayout, shapColor, colorbarTicks, absPercentile, formatAttribution, SHAP_RED, SHAP_BLUE, SHAP_SLICE_ALPHA, SHAP_LIMIT_PERCENTILE, type ShapPanelInput, type ShapFigureOptions, type ShapLayout, type ShapPanel, type ShapColorbar, type ShapColorbarTick } from './shap.js';
export { seriesFigure, seriesLayout, SERIES_CURVE_COLORS, type SeriesPanel, type SeriesCurve, type SeriesFigureOptions } from './series.js';
export { oodScoreFigure, type OodScoreGroup, type OodFigureOptions } from './ood.js';
