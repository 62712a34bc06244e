/**
 * diagnostics: "are activations dead? are gradients flowing?" in one call.
 * diagnose() for one batch, lint() for the structure, watch() during training, HTML reports.
 */
export { diagnose, type DiagnoseOptions, type LossName } from './diagnose.js';
export { lint, type LintOptions } from './lint.js';
export { watch, Watch, type WatchOptions, type WatchRecord } from './watch.js';
export { Report, summary, type LayerRow, type ReportData } from './report.js';
export { renderHtml as html, activationCurves, firstWarnings, type HtmlOptions, type HtmlInput } from './html.js';
export { runInfo } from './run-info.js';
export type { EpochRow, RunInfo } from './types.js';
export { DEFAULT_THRESHOLDS, type Warning, type WarningCode, type Thresholds } from './warnings.js';
export type { ActivationRow } from './capture.js';
export type { ParamRow, ParamStat } from './gradients.js';
