package app.companion.robotests

import android.graphics.Rect
import android.util.Size

/**
 * A GS1-128 label drawn in the test (no fixture image carries a GTIN of the demo manifests):
 * Code 128 bars computed here from the standard's symbol table and read by the core's real
 * decoder, as a printed label on a crate would be.
 */
object Gs1Label {
    /** Bar/space widths (modules) of Code 128 symbols 0..106 (106: Stop, with its final bar). */
    private val PATTERNS = arrayOf("212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212", "221213", "221312", "231212", "112232", "122132", "122231", "113222", "123122", "123221", "223211", "221132", "221231", "213212", "223112", "312131", "311222", "321122", "321221", "312212", "322112", "322211", "212123", "212321", "232121", "111323", "131123", "131321", "112313", "132113", "132311", "211313", "231113", "231311", "112133", "112331", "132131", "113123", "113321", "133121", "313121", "211331", "231131", "213113", "213311", "213131", "311123", "311321", "331121", "312113", "312311", "332111", "314111", "221411", "431111", "111224", "111422", "121124", "121421", "141122", "141221", "112214", "112412", "122114", "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111", "111242", "121142", "121241", "114212", "124112", "124211", "411212", "421112", "421211", "212141", "214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311", "113141", "114131", "311141", "411131", "211412", "211214", "211232", "2331112")

    private const val START_C = 105
    private const val FNC1 = 102
    private const val CODE_B = 100
    private const val STOP = 106

    /**
     * The symbols of a GS1-128 whose element string is [elements] concatenated (only the last
     * may be variable-length: no separators are written): Start C, FNC1, digit pairs in set C,
     * the rest in set B, the check symbol, Stop.
     */
    fun symbols(vararg elements: String): List<Int> {
        val data = elements.joinToString("")
        val out = mutableListOf(START_C, FNC1)
        var i = 0
        var setC = true
        while (i < data.length) {
            if (setC && i + 1 < data.length && data[i].isDigit() && data[i + 1].isDigit()) {
                out += data.substring(i, i + 2).toInt()
                i += 2
            } else {
                if (setC) {
                    out += CODE_B
                    setC = false
                }
                out += data[i].code - 32
                i += 1
            }
        }
        val check = out.withIndex().sumOf { (pos, v) -> if (pos == 0) v else v * pos } % 103
        out += check
        out += STOP
        return out
    }

    /** One row of modules (true = bar), with a quiet zone of [quiet] modules on each side. */
    fun modules(symbols: List<Int>, quiet: Int = 10): BooleanArray {
        val row = mutableListOf<Boolean>()
        repeat(quiet) { row += false }
        for (s in symbols) {
            PATTERNS[s].forEachIndexed { k, w -> repeat(w.digitToInt()) { row += k % 2 == 0 } }
        }
        repeat(quiet) { row += false }
        return row.toBooleanArray()
    }

    /**
     * An upright camera frame of [size] (grey, as a crate) with the label for [elements]
     * printed at the centre of [window], as wide as fits.
     */
    fun inFrame(size: Size, window: Rect, vararg elements: String): Fixtures.Upright {
        val row = modules(symbols(*elements))
        val module = (window.width() * 9 / 10) / row.size
        require(module >= 2) { "the label (${row.size} modules) does not fit the window $window at 2 px a module" }
        val labelW = row.size * module
        val labelH = minOf(window.height() * 8 / 10, 160)
        val left = window.centerX() - labelW / 2
        val top = window.centerY() - labelH / 2
        val pixels = ByteArray(size.width * size.height) { 0x8C.toByte() }
        for (y in top until top + labelH) {
            for (x in 0 until labelW) {
                pixels[y * size.width + left + x] = if (row[x / module]) 0x18 else 0xF0.toByte()
            }
        }
        return Fixtures.Upright(size.width, size.height, pixels)
    }
}
