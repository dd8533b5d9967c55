package org.simdcnn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;
import org.simdcnn.tensor.Tensor;

class DataLoaderTest {
    /** A dataset whose image i is filled with the value i and whose label is i % 7: batches reveal the order. */
    private static Dataset numbered(int n) {
        float[] d = new float[n * 2 * 3 * 3];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            Arrays.fill(d, i * 18, (i + 1) * 18, i);
            labels[i] = i % 7;
        }
        return new TensorDataset(Tensor.of(d, n, 2, 3, 3), labels);
    }

    /** The sample ids of every batch of an epoch, checking that images and labels agree. */
    private static List<int[]> ids(DataLoader.Epoch ep) {
        List<int[]> out = new ArrayList<>();
        while (ep.hasNext()) {
            Batch b = ep.next();
            int n = b.size();
            assertEquals(n, b.images().dim(0));
            assertArrayEquals(new int[] {n, 2, 3, 3}, b.images().shape());
            int[] id = new int[n];
            for (int j = 0; j < n; j++) {
                id[j] = (int) b.images().get(j, 0, 0, 0);
                assertEquals(id[j], (int) b.images().get(j, 1, 2, 2));
                assertEquals(id[j] % 7, b.labels()[j]);
            }
            out.add(id);
        }
        return out;
    }

    @Test
    void everySampleExactlyOncePerEpoch() {
        for (boolean prefetch : new boolean[] {false, true}) {
            for (int n : new int[] {1, 10, 64, 100, 131}) {
                for (int bs : new int[] {1, 7, 32, 200}) {
                    DataLoader l = DataLoader.builder(numbered(n)).batchSize(bs).seed(5).prefetch(prefetch).build();
                    for (int e = 0; e < 3; e++) {
                        List<int[]> batches = ids(l.epoch(e));
                        assertEquals((n + bs - 1) / bs, batches.size());
                        assertEquals(l.batchesPerEpoch(), batches.size());
                        int[] seen = new int[n];
                        for (int k = 0; k < batches.size(); k++) {
                            int[] b = batches.get(k);
                            assertEquals(k < batches.size() - 1 ? bs : n - bs * (batches.size() - 1), b.length);
                            for (int id : b) {
                                seen[id]++;
                            }
                        }
                        for (int i = 0; i < n; i++) {
                            assertEquals(1, seen[i], "sample " + i + " n=" + n + " bs=" + bs + " epoch " + e);
                        }
                    }
                    l.close();
                }
            }
        }
    }

    @Test
    void dropLastSkipsOnlyTheIncompleteTail() {
        int n = 103;
        int bs = 10;
        DataLoader l = DataLoader.builder(numbered(n)).batchSize(bs).seed(9).dropLast(true).build();
        assertEquals(10, l.batchesPerEpoch());
        assertEquals(100, l.samplesPerEpoch());
        for (int e = 0; e < 2; e++) {
            List<int[]> batches = ids(l.epoch(e));
            assertEquals(10, batches.size());
            int[] order = l.order(e);
            int[] seen = new int[n];
            int k = 0;
            for (int[] b : batches) {
                assertEquals(bs, b.length);
                for (int id : b) {
                    assertEquals(order[k++], id, "batches follow order(epoch)");
                    seen[id]++;
                }
            }
            for (int i = 0; i < n; i++) {
                int sample = i;
                int expected = Arrays.stream(order, 100, 103).anyMatch(x -> x == sample) ? 0 : 1;
                assertEquals(expected, seen[i], "sample " + i);
            }
        }
        // fewer samples than one batch: no batch at all
        DataLoader tiny = DataLoader.builder(numbered(5)).batchSize(10).dropLast(true).build();
        assertFalse(tiny.epoch(0).hasNext());
    }

    @Test
    void sameSeedSameOrderAndEpochsDiffer() {
        Dataset ds = numbered(200);
        DataLoader a = DataLoader.builder(ds).batchSize(16).seed(42).build();
        DataLoader b = DataLoader.builder(ds).batchSize(16).seed(42).prefetch(false).build();
        DataLoader c = DataLoader.builder(ds).batchSize(16).seed(43).build();
        for (int e = 0; e < 3; e++) {
            int[] fa = flatten(ids(a.epoch(e)));
            assertArrayEquals(fa, flatten(ids(b.epoch(e))), "prefetch does not change the order");
            assertArrayEquals(a.order(e), fa);
            assertFalse(Arrays.equals(fa, flatten(ids(c.epoch(e)))), "another seed gives another order");
        }
        assertFalse(Arrays.equals(a.order(0), a.order(1)), "epochs are shuffled differently");
        // iterator() runs epochs 0, 1, 2 in turn
        DataLoader d = DataLoader.builder(ds).batchSize(16).seed(42).build();
        for (int e = 0; e < 3; e++) {
            List<int[]> got = new ArrayList<>();
            for (Batch bt : d) {
                int[] id = new int[bt.size()];
                for (int j = 0; j < id.length; j++) {
                    id[j] = (int) bt.images().get(j, 0, 0, 0);
                }
                got.add(id);
            }
            assertArrayEquals(a.order(e), flatten(got));
        }
        DataLoader plain = DataLoader.builder(ds).batchSize(16).shuffle(false).build();
        int[] identity = flatten(ids(plain.epoch(3)));
        for (int i = 0; i < identity.length; i++) {
            assertEquals(i, identity[i]);
        }
    }

    @Test
    void transformsAreSeededAndIndependentOfPrefetch() {
        Dataset ds = numbered(50);
        Transform noise = Transforms.gaussianNoise(0.5);
        float[][] runs = new float[3][];
        int r = 0;
        for (boolean prefetch : new boolean[] {true, false, true}) {
            DataLoader l = DataLoader.builder(ds).batchSize(8).seed(r == 2 ? 8 : 7).transform(noise)
                    .prefetch(prefetch).build();
            List<Float> all = new ArrayList<>();
            for (DataLoader.Epoch ep = l.epoch(1); ep.hasNext();) {
                for (float v : ep.next().images().toArray()) {
                    all.add(v);
                }
            }
            float[] f = new float[all.size()];
            for (int i = 0; i < f.length; i++) {
                f[i] = all.get(i);
            }
            runs[r++] = f;
        }
        assertArrayEquals(runs[0], runs[1]);
        assertFalse(Arrays.equals(runs[0], runs[2]));
        assertNotEquals(0f, runs[0][0] - Math.round(runs[0][0]), "noise was added");
    }

    @Test
    void batchBuffersAreReusedAndNextEpochEndsThePrevious() {
        DataLoader l = DataLoader.builder(numbered(64)).batchSize(8).build();
        DataLoader.Epoch ep = l.epoch(0);
        Batch b1 = ep.next();
        Batch b2 = ep.next();
        Batch b3 = ep.next();
        assertTrue(b1.images().data() != b2.images().data());
        assertTrue(b1.images().data() == b3.images().data(), "two buffers alternate");
        DataLoader.Epoch next = l.epoch(1);
        assertFalse(ep.hasNext(), "starting another epoch closes the previous one");
        assertThrows(NoSuchElementException.class, ep::next);
        assertEquals(8, ids(next).size());
        l.close();
    }

    @Test
    void errorsInTheBackgroundReachTheConsumer() {
        Transform boom = (img, rng) -> {
            if (img.get(0, 0, 0) == 13f) {
                throw new IllegalStateException("bad sample 13");
            }
        };
        DataLoader l = DataLoader.builder(numbered(40)).batchSize(4).shuffle(false).transform(boom).build();
        DataLoader.Epoch ep = l.epoch(0);
        ep.next();
        ep.next();
        ep.next();
        IllegalStateException e = assertThrows(IllegalStateException.class, ep::next);
        assertEquals("bad sample 13", e.getMessage());
        assertFalse(ep.hasNext());
    }

    @Test
    void validatesArguments() {
        assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(null));
        assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(numbered(3)).batchSize(0));
        assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(numbered(3)).build().epoch(-1));
    }

    @Test
    void splitAndSubset() {
        Dataset ds = numbered(100);
        Datasets.Split s = Datasets.split(ds, 70, 30, 3);
        Datasets.Split t = Datasets.split(ds, 70, 30, 3);
        int[] a = ((Dataset.Subset) s.train()).indices();
        int[] b = ((Dataset.Subset) s.test()).indices();
        assertArrayEquals(a, ((Dataset.Subset) t.train()).indices());
        boolean[] seen = new boolean[100];
        for (int i : a) {
            seen[i] = true;
        }
        for (int i : b) {
            assertFalse(seen[i], "disjoint");
            seen[i] = true;
        }
        for (boolean x : seen) {
            assertTrue(x);
        }
        assertEquals(a[5], (int) s.train().get(5).image().get(0, 0, 0));
        assertFalse(Arrays.equals(a, ((Dataset.Subset) Datasets.split(ds, 70, 30, 4).train()).indices()));
        assertThrows(IllegalArgumentException.class, () -> Datasets.split(ds, 80, 30, 0));
        assertThrows(IllegalArgumentException.class, () -> ds.subset(100));
        assertThrows(IllegalArgumentException.class, () -> ds.get(100));
    }

    @Test
    void byteImagesAreScaledToUnitRange() {
        byte[] px = {0, (byte) 255, (byte) 128, 1};
        ByteImageDataset ds = new ByteImageDataset(px, new int[] {3}, 4, 1, 2, 2);
        Tensor t = ds.get(0).image();
        assertArrayEquals(new float[] {0f, 1f, 128 / 255f, 1 / 255f}, t.toArray());
        assertThrows(IllegalArgumentException.class, () -> new ByteImageDataset(px, new int[] {4}, 4, 1, 2, 2));
        assertThrows(IllegalArgumentException.class, () -> new ByteImageDataset(px, new int[] {0, 1}, 4, 1, 2, 2));
    }

    private static int[] flatten(List<int[]> batches) {
        return batches.stream().flatMapToInt(Arrays::stream).toArray();
    }
}
