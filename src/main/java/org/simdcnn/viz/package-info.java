/**
 * PNG pictures of training with the JDK alone (headless {@code java.awt}, {@code javax.imageio}): curves, filters,
 * feature maps, confusion matrices ({@link org.simdcnn.viz.Plots}).
 */
package org.simdcnn.viz;
