// Scaling out over BullMQ queues on Redis: enqueue sharded jobs, run workers, follow and collect.
export * from './connection.js';
export * from './shards.js';
export * from './local-redis.js';
export * from './predict-jobs.js';
export * from './preprocess-jobs.js';
export * from './worker.js';
export * from './status.js';
export * from './collect.js';
