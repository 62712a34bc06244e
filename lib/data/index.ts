/** data: datasets, samplers and loaders (PyTorch's torch.utils.data), streaming CSV and JSON-lines files. */
export { TensorDataset, Subset, randomSplit, collate, type Dataset, type Batch, type Column } from './dataset.js';
export { SequentialSampler, RandomSampler, type Sampler } from './sampler.js';
export { DataLoader, type DataLoaderOptions, type BlockStream } from './loader.js';
export { CsvDataset, JsonlDataset, type CsvDatasetOptions, type JsonlDatasetOptions } from './stream.js';
