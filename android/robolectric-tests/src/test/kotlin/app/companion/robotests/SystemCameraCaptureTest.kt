package app.companion.robotests

import android.app.Activity
import android.content.Intent
import android.os.Looper
import android.provider.MediaStore
import app.companion.android.CapturedPhotoProvider
import app.companion.android.SystemCameraCapture
import app.companion.android.screens.screenScope
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.async
import kotlinx.coroutines.cancel
import org.junit.After
import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.Shadows.shadowOf
import java.io.FileNotFoundException

/**
 * The device side of DeliveryCamera: the system camera app is started with a content URI of
 * CapturedPhotoProvider to write into; the photo comes back as the bytes written there, the
 * file is gone afterwards, and a cancelled capture gives no photo.
 */
@RunWith(RobolectricTestRunner::class)
class SystemCameraCaptureTest {
    private val activity = Robolectric.buildActivity(Activity::class.java).setup().get()
    private val scope: CoroutineScope = screenScope(Looper.getMainLooper())
    private val camera = SystemCameraCapture(activity)
    private val provider = Robolectric.setupContentProvider(CapturedPhotoProvider::class.java, CapturedPhotoProvider.authority(activity))

    @After
    fun tearDown() = scope.cancel()

    /** Starts a capture and returns the camera Intent the Activity started, with its request code. */
    private fun startCapture(): Pair<kotlinx.coroutines.Deferred<ByteArray?>, Pair<Intent, Int>> {
        val photo = scope.async { camera.takePhoto() }
        waitFor("the camera app started") { shadowOf(activity).peekNextStartedActivityForResult() != null }
        val started = shadowOf(activity).nextStartedActivityForResult
        return photo to (started.intent to started.requestCode)
    }

    @Test
    fun `the photo the camera app writes through the provider comes back, and its file goes`() {
        val (photo, started) = startCapture()
        val (intent, requestCode) = started
        assertEquals(MediaStore.ACTION_IMAGE_CAPTURE, intent.action)
        @Suppress("DEPRECATION")
        val output = intent.getParcelableExtra<android.net.Uri>(MediaStore.EXTRA_OUTPUT)
        assertEquals(CapturedPhotoProvider.uri(activity), output)
        assertTrue("the camera app may write", intent.flags and Intent.FLAG_GRANT_WRITE_URI_PERMISSION != 0)

        // The camera app writes the JPEG through the URI it was given.
        provider.openFile(output!!, "w").use { fd -> java.io.FileOutputStream(fd.fileDescriptor).write(Fixtures.cameraJpeg) }
        assertEquals("image/jpeg", provider.getType(output))
        assertTrue(camera.onActivityResult(requestCode, Activity.RESULT_OK))
        waitFor("the photo") { photo.isCompleted }
        assertArrayEquals(Fixtures.cameraJpeg, photo.getCompleted())
        assertFalse("no plain copy is left in the cache", CapturedPhotoProvider.file(activity).exists())
        assertFalse("other request codes are the Activity's", camera.onActivityResult(requestCode + 1, Activity.RESULT_OK))
    }

    @Test
    fun `a cancelled capture gives no photo, and the provider serves nothing else`() {
        val (photo, started) = startCapture()
        assertTrue(camera.onActivityResult(started.second, Activity.RESULT_CANCELED))
        waitFor("the answer") { photo.isCompleted }
        assertNull(photo.getCompleted())

        val other = android.net.Uri.parse("content://${CapturedPhotoProvider.authority(activity)}/../databases/account.db")
        val refused = runCatching { provider.openFile(other, "r") }.exceptionOrNull()
        assertTrue("$refused", refused is FileNotFoundException)
    }
}
