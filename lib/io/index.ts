/** io: safetensors (PyTorch state dicts), crash-safe checkpoints, CSV data. */
export { saveSafetensors, saveSafetensorsSync, loadSafetensors, loadSafetensorsSync, safetensorsToBuffer,
  safetensorsFromBuffer, parseSafetensors, MAX_HEADER_BYTES, type SafetensorsFile, type Metadata, type TensorMap,
  type WriteOptions, type WriteForm, type ParsedSafetensors, type HeaderEntry } from './safetensors.js';
export { DTYPE_SIZE, type Dtype, type WriteDtype } from './dtypes.js';
export { saveCheckpoint, saveCheckpointSync, loadCheckpoint, loadCheckpointSync, checkpointToBuffer, checkpointFromBuffer,
  type CheckpointInput, type LoadedCheckpoint, type LoadOptions, type DataState } from './checkpoint.js';
export { loadCsv, loadCsvSync, parseCsv, type CsvOptions, type CsvData } from './csv.js';
export { writeFileAtomic, writeFileAtomicSync } from './atomic.js';
