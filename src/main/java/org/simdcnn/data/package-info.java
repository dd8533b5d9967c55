/**
 * The data pipeline: the IDX file format of MNIST and Fashion-MNIST ({@link org.simdcnn.data.Idx}, validated,
 * raw or gzip), in-memory datasets with seeded splits ({@link org.simdcnn.data.Dataset},
 * {@link org.simdcnn.data.Datasets}, {@link org.simdcnn.data.FashionMnist}), seeded in-place image transforms
 * ({@link org.simdcnn.data.Transforms}) and a {@link org.simdcnn.data.DataLoader} that shuffles deterministically
 * and prepares the next batch on a background thread.
 */
package org.simdcnn.data;
