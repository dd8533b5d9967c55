package org.simdcnn.kernels;

/** Where a GEMM's fused bias goes: none, one value per row of C, or one value per column of C. */
public enum BiasMode { NONE, PER_ROW, PER_COLUMN }
