package app.companion.robotests

import android.graphics.ImageFormat
import android.graphics.Rect
import android.hardware.camera2.CameraCharacteristics
import android.hardware.camera2.CameraDevice
import android.hardware.camera2.CameraManager
import android.hardware.camera2.params.StreamConfiguration
import android.hardware.camera2.params.StreamConfigurationDuration
import android.hardware.camera2.params.StreamConfigurationMap
import android.util.Size
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf
import org.robolectric.shadow.api.Shadow
import org.robolectric.shadows.ShadowCameraCharacteristics
import org.robolectric.shadows.ShadowCameraDeviceImpl
import org.robolectric.shadows.ShadowCameraManager
import org.robolectric.util.ReflectionHelpers
import java.io.File
import javax.imageio.ImageIO

/**
 * A back camera in Robolectric's CameraManager: facing, sensor orientation and a stream
 * configuration map offering [sizes] for YUV_420_888 and for a preview Surface (format
 * IMPLEMENTATION_DEFINED). Robolectric opens it and configures sessions (its shadows call
 * onOpened/onConfigured); no frames come out of it, so tests feed frames themselves.
 */
object BackCamera {
    const val ID = "0"
    private const val YUV = 0x23 // HAL_PIXEL_FORMAT_YCbCr_420_888 = ImageFormat.YUV_420_888
    private const val PRIVATE = 0x22 // HAL_PIXEL_FORMAT_IMPLEMENTATION_DEFINED: SurfaceHolder, SurfaceTexture

    val manager: CameraManager get() = RuntimeEnvironment.getApplication().getSystemService(CameraManager::class.java)

    fun install(sizes: List<Size> = listOf(Size(4032, 3024), Size(1920, 1080), Size(1280, 720), Size(640, 480)), sensorOrientation: Int = 90) {
        check(ImageFormat.YUV_420_888 == YUV)
        val characteristics = ShadowCameraCharacteristics.newCameraCharacteristics()
        val shadow = Shadow.extract<ShadowCameraCharacteristics>(characteristics)
        shadow.set(CameraCharacteristics.LENS_FACING, CameraCharacteristics.LENS_FACING_BACK)
        shadow.set(CameraCharacteristics.SENSOR_ORIENTATION, sensorOrientation)
        shadow.set(CameraCharacteristics.SCALER_STREAM_CONFIGURATION_MAP, streamMap(sizes))
        shadowOf(manager).addCamera(ID, characteristics)
    }

    /** A front camera only: the scanner must not pick it. */
    fun installFrontOnly() {
        val characteristics = ShadowCameraCharacteristics.newCameraCharacteristics()
        val shadow = Shadow.extract<ShadowCameraCharacteristics>(characteristics)
        shadow.set(CameraCharacteristics.LENS_FACING, CameraCharacteristics.LENS_FACING_FRONT)
        shadow.set(CameraCharacteristics.SENSOR_ORIENTATION, 270)
        shadow.set(CameraCharacteristics.SCALER_STREAM_CONFIGURATION_MAP, streamMap(listOf(Size(1280, 720))))
        shadowOf(manager).addCamera("1", characteristics)
    }

    /**
     * The framework's map through its (hidden) constructor, as the camera service's metadata
     * would build it on a phone.
     */
    private fun streamMap(sizes: List<Size>): StreamConfigurationMap {
        val configs = sizes.flatMap { s -> listOf(YUV, PRIVATE).map { StreamConfiguration(it, s.width, s.height, false) } }.toTypedArray()
        val durations = sizes.flatMap { s -> listOf(YUV, PRIVATE).map { StreamConfigurationDuration(it, s.width, s.height, 33_333_333L) } }.toTypedArray()
        val noStall = emptyArray<StreamConfigurationDuration>()
        val ctor =
            StreamConfigurationMap::class.java.constructors.first { it.parameterCount == 18 }
        return ctor.newInstance(
            configs, durations, noStall,
            null, null, null, // depth
            null, null, null, // dynamic depth
            null, null, null, // HEIC
            null, null, null, // JPEG/R
            null, // high-speed video
            null, // reprocessing
            false, // high resolution listing
        ) as StreamConfigurationMap
    }

    /** The device Robolectric opened last, or null. */
    fun lastDevice(): CameraDevice? = ReflectionHelpers.getStaticField(ShadowCameraManager::class.java, "lastDevice")

    fun isClosed(device: CameraDevice): Boolean = ReflectionHelpers.getField(Shadow.extract<ShadowCameraDeviceImpl>(device), "closed")
}

/**
 * An upright camera frame of [size] with the repository's real GS1 DataBar Expanded produce
 * label (fixtures/barcode-real/rssexpanded-3__1.png, the GTIN the demo catalogue stocks in
 * wh-north) pasted at the centre of [window], on a grey background as a label on a crate.
 */
fun labelInFrame(size: Size, window: Rect): Fixtures.Upright {
    val label = ImageIO.read(File(Fixtures.frames.parentFile, "barcode-real/rssexpanded-3__1.png"))
    require(label.width <= window.width() && label.height <= window.height()) { "the label (${label.width}x${label.height}) does not fit the window $window" }
    val pixels = ByteArray(size.width * size.height) { 0x8C.toByte() }
    val left = window.centerX() - label.width / 2
    val top = window.centerY() - label.height / 2
    val row = IntArray(label.width)
    for (y in 0 until label.height) {
        label.raster.getSamples(0, y, label.width, 1, 0, row)
        for (x in 0 until label.width) pixels[(top + y) * size.width + left + x] = row[x].toByte()
    }
    return Fixtures.Upright(size.width, size.height, pixels)
}

const val LABEL_TEXT = "(01)90012345678908(3103)012233(15)991231"
const val LABEL_GTIN = "90012345678908"
