package org.simdcnn.kernels;

/** PyTorch's loss reductions. */
public enum Reduction { NONE, MEAN, SUM }
