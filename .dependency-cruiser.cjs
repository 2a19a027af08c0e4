// The architecture in one statement, checked by `npm run deps` (part of `npm test`): data flows one
// way through the folders of src/, each importing only folders before it in LAYERS, and no module
// imports itself back through a circle. src/index.ts (the package entry) re-exports every folder.
const LAYERS = [
  'shared', //     helpers with no domain: random numbers, binary readers
  'dicom', //      bytes → parsed data set → pixel frames (codecs) → HU image, conformance
  'preprocess', // HU image → windows → resampled N×N×C tensor
  'figures', //    PNG figures drawn from plain numbers
  'data', //       labels, index (SQLite), series, splits, tensor cache, phantoms
  'engine', //     layer graphs → ONNX graphs (inference, train step, input gradient) → ORT sessions
  'models', //     architectures, the model folder and its card, the OOD score's fit
  'predict', //    a model folder opened once: slice outcomes, series, studies, triage, output formats
  'evaluate', //   metrics, AUC, calibration fits, evaluation reports
  'train', //      the training loop, its data sources, features, OOD fit
  'explain', //    expected gradients, partition SHAP, overlays
  'workflow', //   what strings areas together: ich train's run, fold models, optimizer comparison
  'queue', //      BullMQ jobs and workers
  'serve', //      HTTP API, viewer, DICOMweb, SR writer
  'cli', //        one small file per command
];

const layerRules = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `${layer}-imports-only-earlier-layers`,
  comment: `src/${layer}/ may import ${LAYERS.slice(0, i).join(', ') || 'no other folder'}; not ${LAYERS.slice(i + 1).join(', ')}`,
  severity: 'error',
  from: { path: `^src/${layer}/` },
  to: { path: `^src/(${LAYERS.slice(i + 1).join('|')})/` },
}));

module.exports = {
  forbidden: [
    { name: 'no-circular', comment: 'no import circles, type-only imports included', severity: 'error', from: {}, to: { circular: true } },
    { name: 'known-folders-only', comment: 'every folder of src/ has its place in LAYERS', severity: 'error', from: { path: '^src/' }, to: { path: '^src/[^/]+/', pathNot: `^src/(${LAYERS.join('|')}|types)/` } },
    ...layerRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(dist|node_modules)/' },
  },
};
