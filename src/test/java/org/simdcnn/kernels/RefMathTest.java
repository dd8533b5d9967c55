package org.simdcnn.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import org.junit.jupiter.api.Test;
import org.simdcnn.kernels.scalar.RefMath;

/** The double-precision erf/erfc of the reference kernels against 50-digit values. */
class RefMathTest {
    /**
     * {x, erf(x), erfc(x)}: {@code /usr/bin/python3 -c "import mpmath; mpmath.mp.dps=50;
     * print(float(mpmath.erf(x)), float(mpmath.erfc(x)))"} for each x (the double nearest the literal).
     */
    private static final double[][] VALUES = {
            {1e-300, 1.1283791670955126e-300, 1.0},
            {1e-10, 1.1283791670955126e-10, 0.999999999887162},
            {0.001, 0.0011283787909692365, 0.9988716212090307},
            {0.1, 0.1124629160182849, 0.887537083981715},
            {0.25, 0.27632639016823696, 0.7236736098317631},
            {0.4999, 0.5204119951613866, 0.4795880048386134},
            {0.5, 0.5204998778130465, 0.4795001221869535},
            {0.75, 0.7111556336535151, 0.28884436634648486},
            {1.0, 0.8427007929497149, 0.15729920705028513},
            {1.25, 0.9229001282564583, 0.07709987174354177},
            {1.4999, 0.9660932516622953, 0.03390674833770473},
            {1.5, 0.9661051464753108, 0.033894853524689274},
            {1.75, 0.9866716712191824, 0.013328328780817557},
            {2.0, 0.9953222650189527, 0.004677734981047266},
            {2.4999, 0.9995928300996666, 0.0004071699003334514},
            {2.5, 0.999593047982555, 0.0004069520174449589},
            {3.0, 0.9999779095030014, 2.209049699858544e-05},
            {3.9999, 0.9999999845700388, 1.5429961215558176e-08},
            {4.0, 0.9999999845827421, 1.541725790028002e-08},
            {5.0, 0.9999999999984626, 1.537459794428035e-12},
            {6.0, 1.0, 2.1519736712498913e-17},
            {7.9999, 1.0, 1.124240872626993e-29},
            {8.0, 1.0, 1.1224297172982926e-29},
            {10.0, 1.0, 2.088487583762545e-45},
            {15.0, 1.0, 7.212994172451207e-100},
            {20.0, 1.0, 5.395865611607901e-176},
            {26.0, 1.0, 5.663192408856143e-296},
            {27.2, 1.0, 1e-323},
            {-0.3, -0.3286267594591274, 1.3286267594591274},
            {-1.0, -0.8427007929497149, 1.8427007929497148},
            {-2.0, -0.9953222650189527, 1.9953222650189528},
            {-5.0, -0.9999999999984626, 1.9999999999984626},
            // around the Taylor grid (1 + j/8, |h| <= 1/16) and its ends, and random points in [0.9, 6.5]
            {1.0625, 0.8670582694349528, 0.13294173056504724},
            {1.0624, 0.8670217752685887, 0.13297822473141124},
            {1.9375, 0.9938568063952132, 0.0061431936047868},
            {3.0625, 0.9999851585892071, 1.4841410792897195e-05},
            {4.4375, 0.9999999996516503, 3.483496992332643e-10},
            {5.9375, 1.0, 4.5844734362343966e-17},
            {5.99, 1.0, 2.4300455127321346e-17},
            {5.9999, 1.0, 2.1545925434894867e-17},
            {6.0, 1.0, 2.1519736712498913e-17},
            {6.0001, 1.0, 2.1493579397721442e-17},
            {7.5, 1.0, 2.776649386030569e-26},
            {0.99, 0.8385080695553698, 0.1614919304446302},
            {4.388249, 0.999999999456226, 5.437740427751236e-10},
            {5.054007, 0.9999999999991159, 8.840776614807085e-13},
            {5.353084, 0.9999999999999628, 3.720653199300701e-14},
            {6.177722, 1.0, 2.401924901535325e-18},
            {5.043432, 0.9999999999990143, 9.85692869247684e-13},
            {6.06502, 1.0, 9.718217427203371e-18},
            {1.062429, 0.8670323593751816, 0.1329676406248183},
            {3.507487, 0.9999992962853457, 7.037146543612508e-07},
            {6.182798, 1.0, 2.2540471891954293e-18},
            {4.534257, 0.9999999998567609, 1.43239108169173e-10},
            {5.945043, 1.0, 4.1862665326369313e-17},
            {1.533953, 0.9699429022338962, 0.03005709776610375},
            {3.526787, 0.9999993887551363, 6.112448637477486e-07},
            {2.280808, 0.9987426895530466, 0.0012573104469533868},
            {3.945061, 0.9999999758315437, 2.416845638107491e-08},
            {4.114071, 0.9999999940506403, 5.949359662636755e-09},
    };

    @Test
    void erfAndErfcMatchFiftyDigitValues() {
        for (double[] v : VALUES) {
            double x = v[0];
            ElemTestSupport.assertClose("erf(" + x + ")", RefMath.erf(x), v[1], 2e-15, 0);
            // 1 - erf loses up to a factor 6 in [0.5, 1); elsewhere erfc is accurate in relative terms
            double rtol = x >= 0.5 && x < 1 ? 2e-15 : 1e-15;
            ElemTestSupport.assertClose("erfc(" + x + ")", RefMath.erfc(x), v[2], rtol, 1e-322);
        }
    }

    @Test
    void specialValues() {
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(RefMath.erf(-0.0)));
        assertEquals(0.0, RefMath.erf(0.0));
        assertEquals(1.0, RefMath.erf(Double.POSITIVE_INFINITY));
        assertEquals(-1.0, RefMath.erf(Double.NEGATIVE_INFINITY));
        assertTrue(Double.isNaN(RefMath.erf(Double.NaN)));
        assertEquals(0.0, RefMath.erfc(Double.POSITIVE_INFINITY));
        assertEquals(2.0, RefMath.erfc(Double.NEGATIVE_INFINITY));
        assertEquals(1.0, RefMath.erfc(0.0));
        assertTrue(Double.isNaN(RefMath.erfc(Double.NaN)));
        assertEquals(0.0, RefMath.erfc(30));
        // Phi(-10) = 7.619853024160525e-24 (mpmath.ncdf(-10)); the left tail keeps its relative accuracy
        ElemTestSupport.assertClose("Phi(-10)", RefMath.normalCdf(-10), 7.619853024160525e-24, 1e-14, 0);
        ElemTestSupport.assertClose("sigmoid(-100)", RefMath.sigmoid(-100), 3.720075976020836e-44, 1e-15, 0);
        assertEquals(1.0, RefMath.sigmoid(Double.POSITIVE_INFINITY));
        assertEquals(0.0, RefMath.sigmoid(Double.NEGATIVE_INFINITY));
        assertEquals(1e4, RefMath.log1pExp(1e4));
    }

    @Property(tries = 300)
    void erfIsOddAndComplementsErfc(@ForAll @DoubleRange(min = -30, max = 30) double x) {
        assertEquals(-RefMath.erf(x), RefMath.erf(-x), 0.0);
        ElemTestSupport.assertClose("erf + erfc at " + x, RefMath.erf(x) + RefMath.erfc(x), 1.0, 1e-15, 0);
    }

    @Property(tries = 300)
    void erfIsMonotone(@ForAll @DoubleRange(min = -6, max = 6) double x) {
        double h = Math.max(1e-9, Math.abs(x) * 1e-9);
        assertTrue(RefMath.erf(x + h) >= RefMath.erf(x), "erf decreases at " + x);
        assertTrue(RefMath.erfc(x + h) <= RefMath.erfc(x), "erfc increases at " + x);
    }
}
