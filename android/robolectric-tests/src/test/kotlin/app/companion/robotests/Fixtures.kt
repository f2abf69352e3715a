package app.companion.robotests

import android.graphics.ImageFormat
import android.media.Image
import java.io.File
import java.nio.ByteBuffer
import javax.imageio.ImageIO

/** The repository's camera-frame fixtures; their absence is a failure, never a skip. */
object Fixtures {
    /** The repository (the Cargo workspace above the Maven module). */
    val repo: File by lazy {
        var dir: File? = File(System.getProperty("user.dir")).absoluteFile
        while (dir != null && !File(dir, "Cargo.toml").isFile) dir = dir.parentFile
        requireNotNull(dir) { "no Cargo.toml above ${System.getProperty("user.dir")}" }
    }

    /** The repository's real camera JPEG (iPhone 6 Plus, EXIF with GPS), as a delivery photo. */
    val cameraJpeg: ByteArray by lazy {
        val file = File(repo, "fixtures/pod/camera-iphone6plus-gps.jpg")
        require(file.isFile) { "fixtures/pod/camera-iphone6plus-gps.jpg missing from the repository" }
        file.readBytes()
    }

    val frames: File by lazy {
        val set = File(repo, "fixtures/barcode-frames")
        require(File(set, "manifest.json").isFile) { "fixtures/barcode-frames/manifest.json missing from the repository" }
        set
    }

    private val manifest: String by lazy { File(frames, "manifest.json").readText() }

    /** The accepted texts (text, text_raw, alt_texts) of each code in [file], from manifest.json. */
    fun expectedTexts(file: String): List<Set<String>> {
        val start = manifest.indexOf("\"file\": \"$file\"")
        require(start >= 0) { "$file not in manifest" }
        val end = manifest.indexOf("\"file\": ", start + 10).let { if (it < 0) manifest.length else it }
        val entry = manifest.substring(start, end)
        val expectedBlock = entry.substringAfter("\"expected\": [").substringBefore("\"families\"")
        val codes = expectedBlock.split("\"format\": ").drop(1)
        fun unescape(s: String) = s.replace("\\u001d", "\u001d").replace("\\/", "/").replace("\\\"", "\"")
        return codes.map { code ->
            val texts = Regex("\"(text|text_raw)\": \"((?:[^\"\\\\]|\\\\.)*)\"").findAll(code).map { unescape(it.groupValues[2]) }.toMutableSet()
            val alt = code.substringAfter("\"alt_texts\": [", "").substringBefore("]")
            Regex("\"((?:[^\"\\\\]|\\\\.)*)\"").findAll(alt).forEach { texts += unescape(it.groupValues[1]) }
            texts
        }
    }

    /** An upright grey frame, as the fixture PNG shows it. */
    class Upright(val width: Int, val height: Int, val pixels: ByteArray)

    fun upright(file: String): Upright {
        val image = ImageIO.read(File(frames, file))
        val (w, h) = image.width to image.height
        val row = IntArray(w)
        val pixels = ByteArray(w * h)
        for (y in 0 until h) {
            image.raster.getSamples(0, y, w, 1, 0, row)
            for (x in 0 until w) pixels[y * w + x] = row[x].toByte()
        }
        return Upright(w, h, pixels)
    }
}

/**
 * A YUV_420_888 luma plane laid out as a camera sensor delivers [upright]: turned so that
 * rotating it [rotationDegrees] clockwise makes it upright, rows padded to [padding] bytes
 * beyond the width, the last row short (as real camera buffers are).
 */
class SensorFrame(upright: Fixtures.Upright, val rotationDegrees: Int, padding: Int = 48, direct: Boolean = true) {
    val width: Int
    val height: Int
    val rowStride: Int
    val bytes: ByteArray

    init {
        val (w, h) = upright.width to upright.height
        val sideways = rotationDegrees == 90 || rotationDegrees == 270
        width = if (sideways) h else w
        height = if (sideways) w else h
        rowStride = width + padding
        bytes = ByteArray(rowStride * (height - 1) + width) { 0x55 }
        for (y in 0 until h) {
            for (x in 0 until w) {
                // Where upright pixel (x, y) sits on the sensor.
                val (sx, sy) =
                    when (rotationDegrees) {
                        0 -> x to y
                        90 -> y to (w - 1 - x)
                        180 -> (w - 1 - x) to (h - 1 - y)
                        270 -> (h - 1 - y) to x
                        else -> error("rotation $rotationDegrees")
                    }
                bytes[sy * rowStride + sx] = upright.pixels[y * w + x]
            }
        }
    }

    private val isDirect = direct

    fun lumaBuffer(): ByteBuffer =
        if (isDirect) ByteBuffer.allocateDirect(bytes.size).put(bytes).apply { flip() } else ByteBuffer.wrap(bytes)

    /** A fresh camera Image of this frame: Y as above, U and V interleaved (pixelStride 2). */
    fun image(format: Int = ImageFormat.YUV_420_888, lumaPixelStride: Int = 1): FakeCameraImage {
        val chroma = ByteBuffer.allocateDirect(rowStride * (height / 2))
        return FakeCameraImage(
            format,
            width,
            height,
            arrayOf(
                FakePlane(lumaBuffer(), rowStride, lumaPixelStride),
                FakePlane(chroma.duplicate(), rowStride, 2),
                FakePlane(chroma.duplicate().apply { position(1) }, rowStride, 2),
            ),
        )
    }
}

/** An `Image.Plane` over a buffer (the framework's constructor is open to subclasses). */
class FakePlane(private val buffer: ByteBuffer, private val rowStride: Int, private val pixelStride: Int) : Image.Plane() {
    override fun getRowStride() = rowStride

    override fun getPixelStride() = pixelStride

    override fun getBuffer(): ByteBuffer = buffer
}

/** A camera `Image` that counts how often it was closed. */
class FakeCameraImage(
    private val format: Int,
    private val width: Int,
    private val height: Int,
    private val planes: Array<Plane>,
) : Image() {
    @Volatile
    var closeCount = 0
        private set

    override fun getFormat() = format

    override fun getWidth() = width

    override fun getHeight() = height

    override fun getTimestamp() = 0L

    override fun getTransform() = 0

    override fun getScalingMode() = 0

    override fun getPlanes(): Array<Plane> {
        check(closeCount == 0) { "image already closed" }
        return planes
    }

    override fun close() {
        closeCount++
    }
}
