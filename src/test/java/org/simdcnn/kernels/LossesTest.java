package org.simdcnn.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.simdcnn.SimdCnn;
import org.simdcnn.kernels.scalar.ScalarBackend;

/**
 * Losses: PyTorch 1.13 values for every loss, option and reduction (upstream gradient 0.75 for MEAN/SUM and
 * {@code g[i] = ((i*5) % 7 - 3) * 0.5} for NONE, i.e. the gradient of {@code (loss*g).sum()}), invalid targets,
 * all-ignored batches, gradients against central finite differences of independent double formulas, and parity of
 * the active backend with the reference.
 */
class LossesTest {
    private static final Losses REF = ScalarBackend.INSTANCE.losses();
    private static final float INF = Float.POSITIVE_INFINITY;
    private static final double RTOL = 2e-6;
    private static final double ATOL = 1e-6;
    private static final double PARITY_RTOL = 1e-5;

    private static List<Losses> backends() {
        return List.of(REF, SimdCnn.backend().losses());
    }

    /** The upstream gradient the PyTorch values were taken with. */
    private static float[] upstream(Reduction r, int n) {
        if (r != Reduction.NONE) {
            return new float[] {0.75f};
        }
        float[] g = new float[n];
        for (int i = 0; i < n; i++) {
            g[i] = ((i * 5) % 7 - 3) * 0.5f;
        }
        return g;
    }

    /** Compares a forward result: the returned value for MEAN/SUM, the written elements for NONE. */
    private static void checkLoss(String what, Reduction r, float returned, float[] out, float[] expected) {
        if (r == Reduction.NONE) {
            ElemTestSupport.assertClose(what + " per element", out, expected, RTOL, ATOL);
            double sum = 0;
            for (float v : expected) {
                sum += v;
            }
            ElemTestSupport.assertClose(what + " returned sum", returned, sum, 1e-5, 1e-5);
        } else {
            ElemTestSupport.assertClose(what, returned, expected[0], RTOL, ATOL);
        }
    }

    private static final float[] MSE_X = {
            0.5f, -1.25f, 3.0f, 2.0f, -0.75f, 1000.0f, -2.5f
    };

    private static final float[] MSE_T = {
            0.25f, 1.0f, 3.0f, -2.0f, 0.5f, -1000.0f, 0f
    };

    /** F.mse_loss(x, t, reduction='none'); gradient of (loss*g).sum() */
    private static final float[] MSE_NONE_L = {
            0.0625f, 5.0625f, 0f, 16.0f, 1.5625f, 4000000.0f, 6.25f
    };

    private static final float[] MSE_NONE_DX = {
            -0.75f, -4.5f, 0f, -8.0f, -3.75f, 2000.0f, 2.5f
    };

    /** F.mse_loss(x, t, reduction='mean'); gradient of (loss*g).sum() */
    private static final float[] MSE_MEAN_L = {
            571432.7f
    };

    private static final float[] MSE_MEAN_DX = {
            0.053571433f, -0.4821429f, 0f, 0.8571429f, -0.26785713f, 428.57144f, -0.53571427f
    };

    /** F.mse_loss(x, t, reduction='sum'); gradient of (loss*g).sum() */
    private static final float[] MSE_SUM_L = {
            4000028.8f
    };

    private static final float[] MSE_SUM_DX = {
            0.375f, -3.375f, 0f, 6.0f, -1.875f, 3000.0f, -3.75f
    };

    private static final float[] BCE_X = {
            0f, 1.0f, 0.3f, 0.999f, 1e-30f, 0.5f, 0.7f, 1.0f
    };

    private static final float[] BCE_T = {
            1.0f, 0f, 0.25f, 1.0f, 0f, 0.5f, 1.0f, 1.0f
    };

    private static final float[] BCE_W = {
            1.0f, 2.0f, 0.5f, 1.5f, 1.0f, 3.0f, 0.25f, 1.0f
    };

    /** F.binary_cross_entropy(x, t, weight=None, reduction='none') */
    private static final float[] BCE_NONE_L = {
            100.0f, 100.0f, 0.56849945f, 0.0010004875f, 0f, 0.6931472f, 0.35667497f, -0f
    };

    private static final float[] BCE_NONE_DX = {
            1500000000000.0f, 1000000000000.0f, 0f, 1.001001f, 1.5e-18f, 0f, 0.71428573f, -0f
    };

    /** F.binary_cross_entropy(x, t, weight=w, reduction='none') */
    private static final float[] BCEW_NONE_L = {
            100.0f, 200.0f, 0.28424972f, 0.0015007312f, 0f, 2.0794415f, 0.08916874f, -0f
    };

    private static final float[] BCEW_NONE_DX = {
            1500000000000.0f, 2000000000000.0f, 0f, 1.5015016f, 1.5e-18f, 0f, 0.17857143f, -0f
    };

    /** F.binary_cross_entropy(x, t, weight=None, reduction='mean') */
    private static final float[] BCE_MEAN_L = {
            25.202415f
    };

    private static final float[] BCE_MEAN_DX = {
            -93750000000.0f, 93750000000.0f, 0.022321433f, -0.09384385f, 9.375e-20f, 0f, -0.13392857f, 0f
    };

    /** F.binary_cross_entropy(x, t, weight=w, reduction='mean') */
    private static final float[] BCEW_MEAN_L = {
            37.806793f
    };

    private static final float[] BCEW_MEAN_DX = {
            -93750000000.0f, 187500000000.0f, 0.011160716f, -0.14076577f, 9.375e-20f, 0f, -0.03348214f, 0f
    };

    /** F.binary_cross_entropy(x, t, weight=None, reduction='sum') */
    private static final float[] BCE_SUM_L = {
            201.61932f
    };

    private static final float[] BCE_SUM_DX = {
            -750000000000.0f, 750000000000.0f, 0.17857146f, -0.7507508f, 7.5e-19f, 0f, -1.0714285f, 0f
    };

    /** F.binary_cross_entropy(x, t, weight=w, reduction='sum') */
    private static final float[] BCEW_SUM_L = {
            302.45435f
    };

    private static final float[] BCEW_SUM_DX = {
            -750000000000.0f, 1500000000000.0f, 0.08928573f, -1.1261262f, 7.5e-19f, 0f, -0.26785713f, 0f
    };

    private static final float[] BCEL_X = {
            -100.0f, 100.0f, -10000.0f, 10000.0f, 0f, 2.5f, -3.0f, 0.5f, 88.0f, -88.0f, 1.25f, -0.5f
    };

    private static final float[] BCEL_T = {
            1.0f, 0f, 1.0f, 0f, 0.5f, 1.0f, 0f, 0.25f, 1.0f, 1.0f, 0f, 0.75f
    };

    private static final float[] BCEL_W = {
            1.0f, 0.5f, 2.0f, 1.0f, 1.5f, 1.0f, 0.25f, 1.0f, 2.0f, 1.0f, 0.5f, 1.0f
    };

    private static final float[] BCEL_PW = {
            2.0f, 0.5f, 3.0f
    };

    /** F.binary_cross_entropy_with_logits(x, t, weight=None, pos_weight=None, reduction='none') */
    private static final float[] BCEL_NONE_L = {
            100.0f, 100.0f, 10000.0f, 10000.0f, 0.6931472f, 0.07888975f, 0.04858733f, 0.849077f, 0f, 88.0f, 1.501929f,
            0.849077f
    };

    private static final float[] BCEL_NONE_DX = {
            1.5f, 1.0f, -0f, -1.0f, 0f, -0.037929088f, -0.023712937f, -0.558689f, 0f, -0f, -0.7772999f, -0.558689f
    };

    /** F.binary_cross_entropy_with_logits(x, t, weight=w, pos_weight=pw.view(3, 1), reduction='none') */
    private static final float[] BCELWP_NONE_L = {
            200.0f, 50.0f, 10000.0f, 10000.0f, 2.0794415f, 0.23666924f, 0.012146831f, 0.96759623f, 0f, 44.0f,
            0.7509645f, 2.3101926f
    };

    private static final float[] BCELWP_NONE_DX = {
            3.0f, 0.5f, -0f, -1.0f, -1.125f, -0.11378729f, -0.005928234f, -0.4171113f, 0f, -0f, -0.38864994f,
            -1.9592224f
    };

    /** F.binary_cross_entropy_with_logits(x, t, weight=None, pos_weight=None, reduction='mean') */
    private static final float[] BCEL_MEAN_L = {
            1691.0018f
    };

    private static final float[] BCEL_MEAN_DX = {
            -0.0625f, 0.0625f, -0.0625f, 0.0625f, 0f, -0.004741136f, 0.0029641173f, 0.023278708f, 0f, -0.0625f,
            0.048581243f, -0.023278708f
    };

    /** F.binary_cross_entropy_with_logits(x, t, weight=w, pos_weight=pw.view(3, 1), reduction='mean') */
    private static final float[] BCELWP_MEAN_L = {
            1691.6964f
    };

    private static final float[] BCELWP_MEAN_DX = {
            -0.125f, 0.03125f, -0.0625f, 0.0625f, -0.046875f, -0.014223412f, 0.00074102933f, 0.017379638f, 0f,
            -0.03125f, 0.024290621f, -0.08163427f
    };

    /** F.binary_cross_entropy_with_logits(x, t, weight=None, pos_weight=None, reduction='sum') */
    private static final float[] BCEL_SUM_L = {
            20292.021f
    };

    private static final float[] BCEL_SUM_DX = {
            -0.75f, 0.75f, -0.75f, 0.75f, 0f, -0.05689363f, 0.035569407f, 0.2793445f, 0f, -0.75f, 0.5829749f,
            -0.2793445f
    };

    /** F.binary_cross_entropy_with_logits(x, t, weight=w, pos_weight=pw.view(3, 1), reduction='sum') */
    private static final float[] BCELWP_SUM_L = {
            20300.357f
    };

    private static final float[] BCELWP_SUM_DX = {
            -1.5f, 0.375f, -0.75f, 0.75f, -0.5625f, -0.17068094f, 0.008892352f, 0.20855565f, 0f, -0.375f, 0.29148746f,
            -0.9796112f
    };

    private static final float[] CE_X = {
            50.0f, 0.5f, -50.0f, 1.0f, 0f, 1.5f, 1.0f, 2.0f, -1.0f, 2.5f, -0.5f, 3.0f, 0f, -3.0f, 0.5f, -2.5f, 1.0f,
            -2.0f, 1.5f, -1.5f, 2.0f, -1.0f, 2.5f, -0.5f
    };

    private static final int[] CE_TARGET = {
            0, 3, -100, 2, 1, 1
    };

    private static final float[] CE_WEIGHT = {
            0.5f, 2.0f, 1.0f, 1.5f
    };

    /** F.cross_entropy(x, target, weight=None, ignore_index=-100, label_smoothing=0.0, reduction='none') */
    private static final float[] CE_NONE_P_L = {
            -0f, 0.7873387f, 0f, 6.478155f, 1.7873387f, 1.7873387f
    };

    private static final float[] CE_NONE_P_DX = {
            0f, 0.10153632f, -5.6e-44f, 0.16740508f, -2.8931248e-22f, 0.2760043f, -7.864329e-22f, -0.5449458f, 0f,
            -0.37600404f, 0f, -0.61992586f, 0f, 0.99846333f, 0f, -0.002533496f, 0.15230447f, 0.05076816f, -1.2488924f,
            -0.41629747f, 0.41400647f, 0.13800216f, 0.6825813f, 0.22752711f
    };

    /** F.cross_entropy(x, target, weight=None, ignore_index=-100, label_smoothing=0.2, reduction='none') */
    private static final float[] CE_NONE_S_L = {
            9.95f, 0.9373387f, 0f, 5.878155f, 1.7373388f, 1.7373388f
    };

    private static final float[] CE_NONE_S_DX = {
            -0.22500014f, 0.051536318f, 0.075f, 0.11740509f, 0.075f, 0.22600432f, 0.075f, -0.3949458f, 0f, -0.32600403f,
            0f, -0.56992584f, 0f, 0.84846336f, 0f, 0.047466505f, 0.0773045f, 0.025768159f, -1.0238924f, -0.34129748f,
            0.33900654f, 0.11300216f, 0.60758144f, 0.2025271f
    };

    /** F.cross_entropy(x, target, weight=w, ignore_index=-100, label_smoothing=0.0, reduction='none') */
    private static final float[] CEW_NONE_P_L = {
            -0f, 1.181008f, 0f, 6.478155f, 3.5746775f, 3.5746775f
    };

    private static final float[] CEW_NONE_P_DX = {
            0f, 0.15230447f, -2.8e-44f, 0.25110763f, -1.4465624e-22f, 0.41400647f, -3.9321644e-22f, -0.8174187f, 0f,
            -0.37600404f, 0f, -0.61992586f, 0f, 0.99846333f, 0f, -0.002533496f, 0.30460894f, 0.10153632f, -2.4977849f,
            -0.83259493f, 0.82801294f, 0.2760043f, 1.3651626f, 0.45505422f
    };

    /** F.cross_entropy(x, target, weight=w, ignore_index=-100, label_smoothing=0.2, reduction='none') */
    private static final float[] CEW_NONE_S_L = {
            16.175001f, 1.304141f, 0f, 6.027063f, 3.2190766f, 3.2190766f
    };

    private static final float[] CEW_NONE_S_DX = {
            -0.33749998f, 0.12222767f, 0.15f, 0.14273737f, 0.075f, 0.35020626f, 0.112500004f, -0.61517143f, 0f,
            -0.36980426f, 0f, -0.5509222f, 0f, 0.8483865f, 0f, 0.07233983f, 0.24426329f, 0.08142109f, -2.0854511f,
            -0.6951503f, 0.690912f, 0.23030399f, 1.1502755f, 0.38342515f
    };

    /** F.cross_entropy(x, target, weight=None, ignore_index=-100, label_smoothing=0.0, reduction='mean') */
    private static final float[] CE_MEAN_P_L = {
            2.1680343f
    };

    private static final float[] CE_MEAN_P_DX = {
            0f, 0.015230448f, 6e-45f, 0.025110764f, 2.893125e-23f, 0.04140065f, 7.8643285e-23f, -0.08174187f, 0f,
            0.05640061f, 0f, 0.09298888f, 0f, -0.14976951f, 0f, 0.0003800244f, 0.015230448f, 0.015230448f, -0.12488924f,
            -0.12488924f, 0.04140065f, 0.04140065f, 0.06825814f, 0.06825814f
    };

    /** F.cross_entropy(x, target, weight=None, ignore_index=-100, label_smoothing=0.2, reduction='mean') */
    private static final float[] CE_MEAN_S_L = {
            4.0480347f
    };

    private static final float[] CE_MEAN_S_DX = {
            0.022499979f, 0.007730448f, -0.0075000003f, 0.017610764f, -0.0075000003f, 0.03390065f, -0.0075000003f,
            -0.05924186f, 0f, 0.048900608f, 0f, 0.08548888f, 0f, -0.1272695f, 0f, -0.007119976f, 0.007730445f,
            0.007730445f, -0.10238924f, -0.10238924f, 0.03390064f, 0.03390064f, 0.06075812f, 0.06075812f
    };

    /** F.cross_entropy(x, target, weight=w, ignore_index=-100, label_smoothing=0.0, reduction='mean') */
    private static final float[] CEW_MEAN_P_L = {
            2.1155026f
    };

    private static final float[] CEW_MEAN_P_DX = {
            0f, 0.016318336f, 1e-45f, 0.026904387f, 1.03325885e-23f, 0.044357836f, 2.8086888e-23f, -0.08758057f, 0f,
            0.040286146f, 0f, 0.06642063f, 0f, -0.106978215f, 0f, 0.00027144598f, 0.021757783f, 0.021757783f,
            -0.1784132f, -0.1784132f, 0.05914378f, 0.05914378f, 0.09751162f, 0.09751162f
    };

    /** F.cross_entropy(x, target, weight=w, ignore_index=-100, label_smoothing=0.2, reduction='mean') */
    private static final float[] CEW_MEAN_S_L = {
            4.2777658f
    };

    private static final float[] CEW_MEAN_S_DX = {
            0.02410714f, 0.013095822f, -0.010714286f, 0.015293291f, -0.005357143f, 0.0375221f, -0.008035715f,
            -0.065911226f, 0f, 0.039621886f, 0f, 0.059027374f, 0f, -0.09089856f, 0f, -0.0077506965f, 0.01744738f,
            0.01744738f, -0.14896078f, -0.14896078f, 0.04935086f, 0.04935086f, 0.082162544f, 0.082162544f
    };

    /** F.cross_entropy(x, target, weight=None, ignore_index=-100, label_smoothing=0.0, reduction='sum') */
    private static final float[] CE_SUM_P_L = {
            10.840172f
    };

    private static final float[] CE_SUM_P_DX = {
            0f, 0.076152235f, 2.8e-44f, 0.12555382f, 1.4465624e-22f, 0.20700324f, 3.9321644e-22f, -0.40870935f, 0f,
            0.28200305f, 0f, 0.4649444f, 0f, -0.74884754f, 0f, 0.0019001219f, 0.076152235f, 0.076152235f, -0.6244462f,
            -0.6244462f, 0.20700324f, 0.20700324f, 0.34129065f, 0.34129065f
    };

    /** F.cross_entropy(x, target, weight=None, ignore_index=-100, label_smoothing=0.2, reduction='sum') */
    private static final float[] CE_SUM_S_L = {
            20.240171f
    };

    private static final float[] CE_SUM_S_DX = {
            0.11250007f, 0.038652245f, -0.0375f, 0.08805382f, -0.0375f, 0.16950326f, -0.0375f, -0.29620937f, 0f,
            0.24450305f, 0f, 0.42744443f, 0f, -0.6363476f, 0f, -0.03559988f, 0.03865225f, 0.03865225f, -0.5119462f,
            -0.5119462f, 0.16950327f, 0.16950327f, 0.30379072f, 0.30379072f
    };

    /** F.cross_entropy(x, target, weight=w, ignore_index=-100, label_smoothing=0.0, reduction='sum') */
    private static final float[] CEW_SUM_P_L = {
            14.808518f
    };

    private static final float[] CEW_SUM_P_DX = {
            0f, 0.11422836f, 1.4e-44f, 0.18833072f, 7.232812e-23f, 0.31050485f, 1.9660822e-22f, -0.613064f, 0f,
            0.28200305f, 0f, 0.4649444f, 0f, -0.74884754f, 0f, 0.0019001219f, 0.15230447f, 0.15230447f, -1.2488924f,
            -1.2488924f, 0.41400647f, 0.41400647f, 0.6825813f, 0.6825813f
    };

    /** F.cross_entropy(x, target, weight=w, ignore_index=-100, label_smoothing=0.2, reduction='sum') */
    private static final float[] CEW_SUM_S_L = {
            29.94436f
    };

    private static final float[] CEW_SUM_S_DX = {
            0.16874999f, 0.091670744f, -0.075f, 0.10705302f, -0.0375f, 0.2626547f, -0.056250002f, -0.46137854f, 0f,
            0.2773532f, 0f, 0.41319162f, 0f, -0.63628995f, 0f, -0.054254875f, 0.122131646f, 0.122131646f, -1.0427256f,
            -1.0427256f, 0.345456f, 0.345456f, 0.57513773f, 0.57513773f
    };

    /** F.cross_entropy(x, [[0, 3], [1, 2], [1, 1]], weight=w, ignore_index=1, label_smoothing=0.1) */
    private static final float[] CE_IGN1_L = {
            5.194228f
    };

    private static final float[] CE_IGN1_DX = {
            0.028124996f, 0.034316517f, -0.0125f, 0.049230624f, -0.00625f, 0.09552659f, -0.009375f, -0.17907377f, 0f,
            0.09322603f, 0f, 0.146356f, 0f, -0.23085624f, 0f, -0.008725792f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f
    };

    /** F.log_softmax(CE_X, 1) */
    private static final float[] NLL_X = {
            0f, -2.2873387f, -100.0f, -1.7873387f, -50.0f, -1.2873387f, -49.0f, -0.7873387f, -2.2873387f, -0.9781554f,
            -1.7873387f, -0.47815537f, -1.2873387f, -6.478155f, -0.7873387f, -5.978155f, -2.2873387f, -2.2873387f,
            -1.7873387f, -1.7873387f, -1.2873387f, -1.2873387f, -0.7873387f, -0.7873387f
    };

    /** F.nll_loss(lp, target, weight=None, reduction='none') */
    private static final float[] NLL_NONE_L = {
            -0f, 0.7873387f, 0f, 6.478155f, 1.7873387f, 1.7873387f
    };

    private static final float[] NLL_NONE_DX = {
            1.5f, 0f, 0f, 0f, 0f, 0f, 0f, -1.0f, 0f, 0f, 0f, 0f, 0f, 1.0f, 0f, 0f, 0f, 0f, -1.5f, -0.5f, 0f, 0f, 0f, 0f
    };

    /** F.nll_loss(lp, target, weight=w, reduction='none') */
    private static final float[] NLLW_NONE_L = {
            -0f, 1.181008f, 0f, 6.478155f, 3.5746775f, 3.5746775f
    };

    private static final float[] NLLW_NONE_DX = {
            0.75f, 0f, 0f, 0f, 0f, 0f, 0f, -1.5f, 0f, 0f, 0f, 0f, 0f, 1.0f, 0f, 0f, 0f, 0f, -3.0f, -1.0f, 0f, 0f, 0f, 0f
    };

    /** F.nll_loss(lp, target, weight=None, reduction='mean') */
    private static final float[] NLL_MEAN_L = {
            2.1680343f
    };

    private static final float[] NLL_MEAN_DX = {
            -0.15f, 0f, 0f, 0f, 0f, 0f, 0f, -0.15f, 0f, 0f, 0f, 0f, 0f, -0.15f, 0f, 0f, 0f, 0f, -0.15f, -0.15f, 0f, 0f,
            0f, 0f
    };

    /** F.nll_loss(lp, target, weight=w, reduction='mean') */
    private static final float[] NLLW_MEAN_L = {
            2.1155026f
    };

    private static final float[] NLLW_MEAN_DX = {
            -0.05357143f, 0f, 0f, 0f, 0f, 0f, 0f, -0.16071428f, 0f, 0f, 0f, 0f, 0f, -0.10714286f, 0f, 0f, 0f, 0f,
            -0.21428572f, -0.21428572f, 0f, 0f, 0f, 0f
    };

    /** F.nll_loss(lp, target, weight=None, reduction='sum') */
    private static final float[] NLL_SUM_L = {
            10.840172f
    };

    private static final float[] NLL_SUM_DX = {
            -0.75f, 0f, 0f, 0f, 0f, 0f, 0f, -0.75f, 0f, 0f, 0f, 0f, 0f, -0.75f, 0f, 0f, 0f, 0f, -0.75f, -0.75f, 0f, 0f,
            0f, 0f
    };

    /** F.nll_loss(lp, target, weight=w, reduction='sum') */
    private static final float[] NLLW_SUM_L = {
            14.808518f
    };

    private static final float[] NLLW_SUM_DX = {
            -0.375f, 0f, 0f, 0f, 0f, 0f, 0f, -1.125f, 0f, 0f, 0f, 0f, 0f, -0.75f, 0f, 0f, 0f, 0f, -1.5f, -1.5f, 0f, 0f,
            0f, 0f
    };

    private static final Reduction[] REDUCTIONS = {Reduction.NONE, Reduction.MEAN, Reduction.SUM};

    private static float[] pick(String name) {
        try {
            return (float[]) LossesTest.class.getDeclaredField(name).get(null);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("no constant " + name, e);
        }
    }

    @Test
    void mseMatchesPyTorch() {
        int n = MSE_X.length;
        for (Losses l : backends()) {
            for (Reduction r : REDUCTIONS) {
                float[] out = new float[n];
                float v = l.mse(r, n, MSE_X, 0, MSE_T, 0, out, 0);
                checkLoss(l + " mse " + r, r, v, out, pick("MSE_" + r + "_L"));
                float[] dx = new float[n];
                l.mseBackward(r, n, MSE_X, 0, MSE_T, 0, upstream(r, n), 0, dx, 0);
                ElemTestSupport.assertClose(l + " mse backward " + r, dx, pick("MSE_" + r + "_DX"), RTOL, ATOL);
            }
        }
    }

    @Test
    void bceMatchesPyTorchIncludingTheLogClampAndTheGradientEpsilon() {
        int n = BCE_X.length;
        for (Losses l : backends()) {
            for (Reduction r : REDUCTIONS) {
                for (boolean weighted : new boolean[] {false, true}) {
                    String name = "BCE" + (weighted ? "W" : "") + "_" + r;
                    float[] w = weighted ? BCE_W : null;
                    float[] out = new float[n];
                    float v = l.bce(r, n, BCE_X, 0, BCE_T, 0, w, out, 0);
                    checkLoss(l + " " + name, r, v, out, pick(name + "_L"));
                    float[] dx = new float[n];
                    l.bceBackward(r, n, BCE_X, 0, BCE_T, 0, w, upstream(r, n), 0, dx, 0);
                    ElemTestSupport.assertClose(l + " " + name + " backward", dx, pick(name + "_DX"), RTOL, ATOL);
                }
            }
        }
    }

    @Test
    void bceWithLogitsMatchesPyTorchAtExtremeLogitsWithWeightAndPosWeight() {
        int n = BCEL_X.length;
        for (Losses l : backends()) {
            for (Reduction r : REDUCTIONS) {
                for (boolean weighted : new boolean[] {false, true}) {
                    String name = "BCEL" + (weighted ? "WP" : "") + "_" + r;
                    float[] w = weighted ? BCEL_W : null;
                    float[] pw = weighted ? BCEL_PW : null;
                    float[] out = new float[n];
                    // input (2, 3, 2), pos_weight over dim 1: posInner = 2
                    float v = l.bceWithLogits(r, n, BCEL_X, 0, BCEL_T, 0, w, pw, 2, out, 0);
                    checkLoss(l + " " + name, r, v, out, pick(name + "_L"));
                    float[] dx = new float[n];
                    l.bceWithLogitsBackward(r, n, BCEL_X, 0, BCEL_T, 0, w, pw, 2, upstream(r, n), 0, dx, 0);
                    ElemTestSupport.assertClose(l + " " + name + " backward", dx, pick(name + "_DX"), RTOL, ATOL);
                }
            }
        }
    }

    @Test
    void crossEntropyMatchesPyTorchWithWeightIgnoreIndexAndLabelSmoothing() {
        // logits (3, 4, 2): batch 3, classes 4, inner 2; targets (3, 2) with one ignored (-100)
        for (Losses l : backends()) {
            for (Reduction r : REDUCTIONS) {
                for (boolean weighted : new boolean[] {false, true}) {
                    for (float eps : new float[] {0f, 0.2f}) {
                        String name = "CE" + (weighted ? "W" : "") + "_" + r + "_" + (eps == 0 ? "P" : "S");
                        float[] w = weighted ? CE_WEIGHT : null;
                        float[] out = new float[6];
                        float v = l.crossEntropy(r, 3, 4, 2, CE_X, 0, CE_TARGET, 0, w, -100, eps, out, 0);
                        checkLoss(l + " " + name, r, v, out, pick(name + "_L"));
                        float[] dx = new float[24];
                        l.crossEntropyBackward(r, 3, 4, 2, CE_X, 0, CE_TARGET, 0, w, -100, eps, upstream(r, 6), 0,
                                dx, 0);
                        ElemTestSupport.assertClose(l + " " + name + " backward", dx, pick(name + "_DX"), RTOL,
                                ATOL);
                    }
                }
            }
            // ignore_index = 1 is a real class: targets equal to 1 are skipped
            int[] target = {0, 3, 1, 2, 1, 1};
            float v = l.crossEntropy(Reduction.MEAN, 3, 4, 2, CE_X, 0, target, 0, CE_WEIGHT, 1, 0.1f, null, 0);
            ElemTestSupport.assertClose(l + " ignore_index 1", v, CE_IGN1_L[0], RTOL, ATOL);
            float[] dx = new float[24];
            l.crossEntropyBackward(Reduction.MEAN, 3, 4, 2, CE_X, 0, target, 0, CE_WEIGHT, 1, 0.1f,
                    new float[] {0.75f}, 0, dx, 0);
            ElemTestSupport.assertClose(l + " ignore_index 1 backward", dx, CE_IGN1_DX, RTOL, ATOL);
        }
    }

    @Test
    void nllMatchesPyTorch() {
        for (Losses l : backends()) {
            for (Reduction r : REDUCTIONS) {
                for (boolean weighted : new boolean[] {false, true}) {
                    String name = "NLL" + (weighted ? "W" : "") + "_" + r;
                    float[] w = weighted ? CE_WEIGHT : null;
                    float[] out = new float[6];
                    float v = l.nll(r, 3, 4, 2, NLL_X, 0, CE_TARGET, 0, w, -100, out, 0);
                    checkLoss(l + " " + name, r, v, out, pick(name + "_L"));
                    float[] dx = new float[24];
                    l.nllBackward(r, 3, 4, 2, NLL_X, 0, CE_TARGET, 0, w, -100, upstream(r, 6), 0, dx, 0);
                    ElemTestSupport.assertClose(l + " " + name + " backward", dx, pick(name + "_DX"), RTOL, ATOL);
                }
            }
        }
    }

    @Test
    void allIgnoredBatchGivesNaNForMeanLikePyTorch() {
        // F.cross_entropy(torch.randn(2, 3), torch.tensor([-100, -100])) -> nan (also with label_smoothing=0.1,
        // and F.nll_loss); the gradient is all zeros; SUM gives 0
        int[] target = {-100, -100};
        float[] x = {1, 2, 3, -1, 0, 4};
        for (Losses l : backends()) {
            for (float eps : new float[] {0f, 0.1f}) {
                assertTrue(Float.isNaN(l.crossEntropy(Reduction.MEAN, 2, 3, 1, x, 0, target, 0, null, -100, eps,
                        null, 0)), l + " eps " + eps);
                assertEquals(0f, l.crossEntropy(Reduction.SUM, 2, 3, 1, x, 0, target, 0, null, -100, eps, null, 0));
                float[] dx = new float[6];
                Arrays.fill(dx, 9f);
                l.crossEntropyBackward(Reduction.MEAN, 2, 3, 1, x, 0, target, 0, null, -100, eps, new float[] {1f},
                        0, dx, 0);
                assertArrayEquals(new float[6], dx, l + " eps " + eps);
            }
            assertTrue(Float.isNaN(l.nll(Reduction.MEAN, 2, 3, 1, x, 0, target, 0, null, -100, null, 0)));
            float[] dx = new float[6];
            Arrays.fill(dx, 9f);
            l.nllBackward(Reduction.MEAN, 2, 3, 1, x, 0, target, 0, null, -100, new float[] {1f}, 0, dx, 0);
            assertArrayEquals(new float[6], dx);
        }
    }

    @Test
    void targetsOutOfRangeAreRejectedBeforeAnyWork() {
        float[] x = new float[12];
        for (Losses l : backends()) {
            for (int[] target : new int[][] {{0, 1, 2, 4}, {0, -1, 2, 3}, {0, 1, -7, 3}}) {
                int bad = target[1] == -1 ? 1 : target[2] == -7 ? 2 : 3;
                float[] out = new float[4];
                Arrays.fill(out, 5f);
                float[] dx = new float[12];
                Arrays.fill(dx, 5f);
                List<org.junit.jupiter.api.function.Executable> calls = List.of(
                        () -> l.crossEntropy(Reduction.NONE, 4, 3, 1, x, 0, target, 0, null, -100, 0f, out, 0),
                        () -> l.crossEntropyBackward(Reduction.MEAN, 4, 3, 1, x, 0, target, 0, null, -100, 0.1f,
                                new float[] {1f}, 0, dx, 0),
                        () -> l.nll(Reduction.NONE, 4, 3, 1, x, 0, target, 0, null, -100, out, 0),
                        () -> l.nllBackward(Reduction.SUM, 4, 3, 1, x, 0, target, 0, null, -100, new float[] {1f}, 0,
                                dx, 0));
                for (org.junit.jupiter.api.function.Executable call : calls) {
                    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
                    String m = e.getMessage();
                    assertTrue(m.contains("index " + bad) && m.contains(String.valueOf(target[bad])),
                            l + ": message should name index " + bad + " and value " + target[bad] + ": " + m);
                }
                assertArrayEquals(new float[] {5f, 5f, 5f, 5f}, out, "out written before the check");
                float[] untouched = new float[12];
                Arrays.fill(untouched, 5f);
                assertArrayEquals(untouched, dx, "dx written before the check");
            }
            // the ignore index itself is fine even when negative or >= classes
            l.nll(Reduction.SUM, 2, 3, 1, new float[6], 0, new int[] {7, 0}, 0, null, 7, null, 0);
        }
    }

    // ---- independent double formulas for the properties ------------------------------------------------------

    private static double reduce(Reduction r, double[] per, double meanDiv, double[] g) {
        double s = 0;
        for (int i = 0; i < per.length; i++) {
            s += r == Reduction.NONE ? per[i] * g[i] : per[i];
        }
        return r == Reduction.MEAN ? s / meanDiv * g[0] : r == Reduction.SUM ? s * g[0] : s;
    }

    /** A loss as a double function of its input, already contracted with the upstream gradient g. */
    interface Objective {
        double at(double[] x);
    }

    private static void checkGradient(String what, float[] x, float[] dx, Objective f, double scale) {
        double[] xd = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            xd[i] = x[i];
        }
        for (int i = 0; i < x.length; i++) {
            double h = 1e-6 * Math.max(1, Math.abs(xd[i]));
            double keep = xd[i];
            xd[i] = keep + h;
            double lp = f.at(xd);
            xd[i] = keep - h;
            double lm = f.at(xd);
            xd[i] = keep;
            ElemTestSupport.assertClose(what + " dx[" + i + "]", dx[i], (lp - lm) / (2 * h), 1e-4, 1e-6 * scale);
        }
    }

    private static double[] gradsOf(Reduction r, int n, SplittableRandom rnd) {
        double[] g = new double[r == Reduction.NONE ? n : 1];
        for (int i = 0; i < g.length; i++) {
            g[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return g;
    }

    private static float[] toFloat(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }

    @Property(tries = 100)
    void mseGradientMatchesCentralDifferences(@ForAll Reduction r, @ForAll @IntRange(min = 1, max = 20) int n,
            @ForAll long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] x = ElemTestSupport.uniform(rnd, n, -3, 3);
        float[] t = ElemTestSupport.uniform(rnd, n, -3, 3);
        double[] g = gradsOf(r, n, rnd);
        double[] ones = new double[n];
        Arrays.fill(ones, 1);
        for (Losses l : backends()) {
            float[] dx = new float[n];
            l.mseBackward(r, n, x, 0, t, 0, toFloat(g), 0, dx, 0);
            checkGradient(l + " mse " + r, x, dx, xs -> reduce(r, squaredErrors(xs, t), n, g), 1);
            float[] out = new float[n];
            float v = l.mse(r, n, x, 0, t, 0, out, 0);
            double expected = reduce(r == Reduction.NONE ? Reduction.SUM : r, squaredErrors(toDouble(x), t), n, ones);
            ElemTestSupport.assertClose(l + " mse value " + r, v, expected, 1e-6, 1e-7);
        }
    }

    private static double[] squaredErrors(double[] x, float[] t) {
        double[] per = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            per[i] = (x[i] - t[i]) * (x[i] - t[i]);
        }
        return per;
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    @Property(tries = 100)
    void bceGradientMatchesCentralDifferences(@ForAll Reduction r, @ForAll @IntRange(min = 1, max = 20) int n,
            @ForAll boolean weighted, @ForAll long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] x = ElemTestSupport.uniform(rnd, n, 0.02, 0.98); // away from the clamps
        float[] t = ElemTestSupport.uniform(rnd, n, 0, 1);
        float[] w = weighted ? ElemTestSupport.uniform(rnd, n, 0, 2) : null;
        double[] g = gradsOf(r, n, rnd);
        Objective f = xs -> {
            double[] per = new double[n];
            for (int i = 0; i < n; i++) {
                per[i] = -(w == null ? 1 : w[i]) * (t[i] * Math.log(xs[i]) + (1 - t[i]) * Math.log(1 - xs[i]));
            }
            return reduce(r, per, n, g);
        };
        for (Losses l : backends()) {
            float[] dx = new float[n];
            l.bceBackward(r, n, x, 0, t, 0, w, toFloat(g), 0, dx, 0);
            checkGradient(l + " bce " + r + " weighted=" + weighted, x, dx, f, 50);
        }
    }

    @Property(tries = 100)
    void bceWithLogitsGradientMatchesCentralDifferences(@ForAll Reduction r,
            @ForAll @IntRange(min = 1, max = 3) int batch, @ForAll @IntRange(min = 1, max = 4) int channels,
            @ForAll @IntRange(min = 1, max = 3) int inner, @ForAll boolean weighted, @ForAll boolean posWeighted,
            @ForAll long seed) {
        int n = batch * channels * inner;
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] x = ElemTestSupport.uniform(rnd, n, -8, 8);
        float[] t = ElemTestSupport.uniform(rnd, n, 0, 1);
        float[] w = weighted ? ElemTestSupport.uniform(rnd, n, 0, 2) : null;
        float[] pw = posWeighted ? ElemTestSupport.uniform(rnd, channels, 0.1, 4) : null;
        double[] g = gradsOf(r, n, rnd);
        Objective f = xs -> {
            double[] per = new double[n];
            for (int i = 0; i < n; i++) {
                double p = pw == null ? 1 : pw[(i / inner) % channels];
                double s = 1 / (1 + Math.exp(-xs[i]));
                per[i] = -(w == null ? 1 : w[i]) * (p * t[i] * Math.log(s) + (1 - t[i]) * Math.log(1 - s));
            }
            return reduce(r, per, n, g);
        };
        for (Losses l : backends()) {
            float[] dx = new float[n];
            l.bceWithLogitsBackward(r, n, x, 0, t, 0, w, pw, inner, toFloat(g), 0, dx, 0);
            checkGradient(l + " bce_with_logits " + r, x, dx, f, 1);
            float[] out = new float[n];
            l.bceWithLogits(Reduction.NONE, n, x, 0, t, 0, w, pw, inner, out, 0);
            for (int i = 0; i < n; i++) {
                double p = pw == null ? 1 : pw[(i / inner) % channels];
                double sg = 1 / (1 + Math.exp(-(double) x[i]));
                double expected = -(w == null ? 1 : w[i]) * (p * t[i] * Math.log(sg) + (1 - t[i]) * Math.log(1 - sg));
                ElemTestSupport.assertClose(l + " bce_with_logits value " + i, out[i], expected, 1e-5, 1e-6);
            }
        }
    }

    /** Cross-entropy (or NLL when {@code fromLogits} is false) in double, PyTorch 1.13's formulas. */
    private static double classLoss(boolean fromLogits, Reduction r, int batch, int classes, int inner, double[] x,
            int[] target, float[] weight, int ignoreIndex, double eps, double[] g) {
        double[] per = new double[batch * inner];
        double nllSum = 0;
        double smoothSum = 0;
        double wSum = 0;
        int count = 0;
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < inner; i++) {
                int k = b * inner + i;
                int t = target[k];
                if (t == ignoreIndex) {
                    continue;
                }
                double[] logp = new double[classes];
                double max = Double.NEGATIVE_INFINITY;
                for (int c = 0; c < classes; c++) {
                    logp[c] = x[(b * classes + c) * inner + i];
                    max = Math.max(max, logp[c]);
                }
                if (fromLogits) {
                    double s = 0;
                    for (int c = 0; c < classes; c++) {
                        s += Math.exp(logp[c] - max);
                    }
                    for (int c = 0; c < classes; c++) {
                        logp[c] = logp[c] - max - Math.log(s);
                    }
                }
                double wt = weight == null ? 1 : weight[t];
                double nll = -wt * logp[t];
                double smooth = 0;
                for (int c = 0; c < classes; c++) {
                    smooth -= (weight == null ? 1 : weight[c]) * logp[c];
                }
                per[k] = (1 - eps) * nll + eps / classes * smooth;
                nllSum += nll;
                smoothSum += smooth;
                wSum += wt;
                count++;
            }
        }
        return switch (r) {
            case NONE -> {
                double s = 0;
                for (int k = 0; k < per.length; k++) {
                    s += per[k] * g[k];
                }
                yield s;
            }
            case SUM -> ((1 - eps) * nllSum + eps / classes * smoothSum) * g[0];
            case MEAN -> ((1 - eps) * nllSum / wSum + eps / classes * smoothSum / (weight == null ? count : wSum))
                    * g[0];
        };
    }

    @Property(tries = 150)
    void crossEntropyAndNllGradientsMatchCentralDifferences(@ForAll Reduction r,
            @ForAll @IntRange(min = 1, max = 4) int batch, @ForAll @IntRange(min = 1, max = 5) int classes,
            @ForAll @IntRange(min = 1, max = 3) int inner, @ForAll boolean weighted,
            @ForAll @IntRange(min = 0, max = 2) int smoothingChoice, @ForAll boolean nll, @ForAll long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int m = batch * inner;
        float[] x = nll ? ElemTestSupport.uniform(rnd, batch * classes * inner, -6, 0)
                : ElemTestSupport.uniform(rnd, batch * classes * inner, -6, 6);
        int ignoreIndex = rnd.nextBoolean() ? -100 : rnd.nextInt(classes);
        int[] target = new int[m];
        for (int k = 0; k < m; k++) {
            target[k] = rnd.nextInt(5) == 0 ? ignoreIndex : rnd.nextInt(classes);
        }
        target[0] = ignoreIndex == 0 ? Math.min(1, classes - 1) : 0; // usually one sample counts
        float[] w = weighted ? ElemTestSupport.uniform(rnd, classes, 0.1, 2) : null;
        float eps = nll ? 0f : new float[] {0f, 0.1f, (float) rnd.nextDouble()}[smoothingChoice];
        double[] g = gradsOf(r, m, rnd);
        boolean anyCounted = false;
        for (int t : target) {
            anyCounted |= t != ignoreIndex;
        }
        Objective f = xs -> classLoss(!nll, r, batch, classes, inner, xs, target, w, ignoreIndex, eps, g);
        for (Losses l : backends()) {
            float[] dx = new float[x.length];
            if (nll) {
                l.nllBackward(r, batch, classes, inner, x, 0, target, 0, w, ignoreIndex, toFloat(g), 0, dx, 0);
            } else {
                l.crossEntropyBackward(r, batch, classes, inner, x, 0, target, 0, w, ignoreIndex, eps, toFloat(g), 0,
                        dx, 0);
            }
            String what = l + (nll ? " nll " : " cross_entropy ") + r + " w=" + weighted + " eps=" + eps
                    + " ignore=" + ignoreIndex + " targets=" + Arrays.toString(target);
            if (anyCounted) {
                checkGradient(what, x, dx, f, 1);
            }
            double[] xd = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                xd[i] = x[i];
            }
            double[] ones = new double[m];
            Arrays.fill(ones, 1);
            double expected = classLoss(!nll, r == Reduction.NONE ? Reduction.SUM : r, batch, classes, inner, xd,
                    target, w, ignoreIndex, eps, ones);
            float[] out = new float[m];
            float v = nll ? l.nll(r, batch, classes, inner, x, 0, target, 0, w, ignoreIndex, out, 0)
                    : l.crossEntropy(r, batch, classes, inner, x, 0, target, 0, w, ignoreIndex, eps, out, 0);
            if (anyCounted || r != Reduction.MEAN) {
                ElemTestSupport.assertClose(what + " value", v, expected, 1e-5, 1e-6);
            } else {
                assertTrue(Float.isNaN(v), what + ": all ignored with MEAN gives NaN");
            }
        }
    }

    @Property(tries = 100)
    void activeBackendMatchesTheReference(@ForAll Reduction r, @ForAll @IntRange(min = 1, max = 5) int batch,
            @ForAll @IntRange(min = 1, max = 40) int classes, @ForAll @IntRange(min = 1, max = 4) int inner,
            @ForAll boolean weighted, @ForAll long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Losses fast = SimdCnn.backend().losses();
        int n = batch * classes * inner;
        int m = batch * inner;
        float[] x = ElemTestSupport.uniform(rnd, n, -10, 10);
        float[] p = ElemTestSupport.uniform(rnd, n, 0, 1);
        float[] t = ElemTestSupport.uniform(rnd, n, 0, 1);
        float[] w = weighted ? ElemTestSupport.uniform(rnd, n, 0, 2) : null;
        float[] pw = weighted ? ElemTestSupport.uniform(rnd, classes, 0.1, 3) : null;
        float[] cw = weighted ? ElemTestSupport.uniform(rnd, classes, 0.1, 2) : null;
        int[] target = new int[m];
        for (int k = 0; k < m; k++) {
            target[k] = rnd.nextInt(6) == 0 ? -100 : rnd.nextInt(classes);
        }
        float eps = (float) rnd.nextDouble() * 0.3f;
        float[] gN = ElemTestSupport.uniform(rnd, n, -1, 1);
        float[] g1 = {0.6f};
        float[] g = r == Reduction.NONE ? gN : g1;

        float[] oR = new float[n];
        float[] oF = new float[n];
        float[] dR = new float[n];
        float[] dF = new float[n];
        cmp("mse", REF.mse(r, n, x, 0, t, 0, oR, 0), fast.mse(r, n, x, 0, t, 0, oF, 0), oR, oF);
        REF.mseBackward(r, n, x, 0, t, 0, g, 0, dR, 0);
        fast.mseBackward(r, n, x, 0, t, 0, g, 0, dF, 0);
        ElemTestSupport.assertClose("mse backward", dF, dR, PARITY_RTOL, 1e-7);
        cmp("bce", REF.bce(r, n, p, 0, t, 0, w, oR, 0), fast.bce(r, n, p, 0, t, 0, w, oF, 0), oR, oF);
        REF.bceBackward(r, n, p, 0, t, 0, w, g, 0, dR, 0);
        fast.bceBackward(r, n, p, 0, t, 0, w, g, 0, dF, 0);
        ElemTestSupport.assertClose("bce backward", dF, dR, PARITY_RTOL, 1e-7);
        cmp("bce_with_logits", REF.bceWithLogits(r, n, x, 0, t, 0, w, pw, inner, oR, 0),
                fast.bceWithLogits(r, n, x, 0, t, 0, w, pw, inner, oF, 0), oR, oF);
        REF.bceWithLogitsBackward(r, n, x, 0, t, 0, w, pw, inner, g, 0, dR, 0);
        fast.bceWithLogitsBackward(r, n, x, 0, t, 0, w, pw, inner, g, 0, dF, 0);
        ElemTestSupport.assertClose("bce_with_logits backward", dF, dR, PARITY_RTOL, 1e-7);
        cmp("cross_entropy", REF.crossEntropy(r, batch, classes, inner, x, 0, target, 0, cw, -100, eps, oR, 0),
                fast.crossEntropy(r, batch, classes, inner, x, 0, target, 0, cw, -100, eps, oF, 0), oR, oF);
        REF.crossEntropyBackward(r, batch, classes, inner, x, 0, target, 0, cw, -100, eps, g, 0, dR, 0);
        fast.crossEntropyBackward(r, batch, classes, inner, x, 0, target, 0, cw, -100, eps, g, 0, dF, 0);
        // A float probability exp(x - lse) carries an absolute error of a few ulps of max(|x|, |lse|) in its
        // exponent; p_t - 1 near p_t = 1 turns that into a large relative error of a small gradient. So the bound
        // is a few ulps of the logits' magnitude, scaled by the upstream gradient.
        double gMax = 1;
        for (float v : g) {
            gMax = Math.max(gMax, Math.abs(v));
        }
        double xMax = 1;
        for (float v : x) {
            xMax = Math.max(xMax, Math.abs(v));
        }
        ElemTestSupport.assertClose("cross_entropy backward", dF, dR, PARITY_RTOL, 8 * 0x1p-24 * gMax * xMax);
        cmp("nll", REF.nll(r, batch, classes, inner, x, 0, target, 0, cw, -100, oR, 0),
                fast.nll(r, batch, classes, inner, x, 0, target, 0, cw, -100, oF, 0), oR, oF);
        REF.nllBackward(r, batch, classes, inner, x, 0, target, 0, cw, -100, g, 0, dR, 0);
        fast.nllBackward(r, batch, classes, inner, x, 0, target, 0, cw, -100, g, 0, dF, 0);
        ElemTestSupport.assertClose("nll backward", dF, dR, PARITY_RTOL, 1e-7);
    }

    private static void cmp(String what, float ref, float fast, float[] outRef, float[] outFast) {
        ElemTestSupport.assertClose(what, fast, ref, PARITY_RTOL, 1e-6);
        ElemTestSupport.assertClose(what + " per element", outFast, outRef, PARITY_RTOL, 1e-6);
    }
}
