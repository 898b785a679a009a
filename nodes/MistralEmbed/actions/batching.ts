export * from '../../shared/packing/batching';
