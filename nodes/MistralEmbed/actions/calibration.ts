export * from '../../shared/packing/calibration';
