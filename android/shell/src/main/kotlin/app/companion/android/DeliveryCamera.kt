package app.companion.android

import android.app.Activity
import android.content.ActivityNotFoundException
import android.content.ContentProvider
import android.content.ContentValues
import android.content.Context
import android.content.Intent
import android.database.Cursor
import android.database.MatrixCursor
import android.net.Uri
import android.os.ParcelFileDescriptor
import android.provider.MediaStore
import android.provider.OpenableColumns
import kotlinx.coroutines.CompletableDeferred
import java.io.File
import java.io.FileNotFoundException

/**
 * Where the proof-capture screen gets a delivery photo from: one JPEG as the camera wrote it
 * (the core turns it upright from its EXIF orientation, strips the metadata, downscales and
 * seals it), or `null` when the driver backed out. The Activity implements it ([CompanionActivity]
 * with the system camera, [SystemCameraCapture]); a CameraX / Camera2 capture screen can take
 * its place without the capture screen changing, and tests hand in a fixture JPEG.
 *
 * Called on the main thread, after the core's permission decision allowed the camera.
 */
fun interface DeliveryCamera {
    suspend fun takePhoto(): ByteArray?
}

/** The device has no camera app to take the photo. */
class NoCameraAppException : Exception("No camera app on this phone can take the photo.")

/**
 * A photo from the system camera app (`ACTION_IMAGE_CAPTURE`), written full size through
 * [CapturedPhotoProvider] into the app's cache, read back and deleted at once: the only copy
 * that stays is the one the core seals. The Activity forwards `onActivityResult`.
 *
 * If the system kills the app while the camera is in front, the waiting call is gone with the
 * process; the next capture overwrites the leftover file.
 */
class SystemCameraCapture(private val activity: Activity) : DeliveryCamera {
    private var waiting: CompletableDeferred<Boolean>? = null

    override suspend fun takePhoto(): ByteArray? {
        waiting?.cancel()
        val file = CapturedPhotoProvider.file(activity)
        file.delete()
        val answered = CompletableDeferred<Boolean>()
        waiting = answered
        val intent =
            Intent(MediaStore.ACTION_IMAGE_CAPTURE)
                .putExtra(MediaStore.EXTRA_OUTPUT, CapturedPhotoProvider.uri(activity))
                .addFlags(Intent.FLAG_GRANT_WRITE_URI_PERMISSION or Intent.FLAG_GRANT_READ_URI_PERMISSION)
        try {
            try {
                activity.startActivityForResult(intent, REQUEST_CODE)
            } catch (e: ActivityNotFoundException) {
                throw NoCameraAppException()
            }
            val taken = answered.await()
            return if (taken && file.length() > 0) file.readBytes() else null
        } finally {
            waiting = null
            file.delete()
        }
    }

    /** False for request codes this helper did not issue. */
    fun onActivityResult(requestCode: Int, resultCode: Int): Boolean {
        if (requestCode != REQUEST_CODE) return false
        waiting?.complete(resultCode == Activity.RESULT_OK)
        return true
    }

    private companion object {
        // Next to PointOfUsePermissions' codes, clear of the low ones apps use.
        const val REQUEST_CODE = 0x4400
    }
}

/**
 * Lends the camera app one file to write the photo into (what AndroidX's FileProvider does,
 * for this one file and without AndroidX): `content://<package>.companion.photo/capture.jpg`,
 * not exported, reachable only through the URI permission the capture Intent grants.
 */
class CapturedPhotoProvider : ContentProvider() {
    override fun onCreate(): Boolean = true

    override fun openFile(uri: Uri, mode: String): ParcelFileDescriptor {
        val context = context ?: throw FileNotFoundException("no context")
        if (uri.lastPathSegment != FILE_NAME) throw FileNotFoundException("not the capture file")
        return ParcelFileDescriptor.open(file(context), ParcelFileDescriptor.parseMode(mode))
    }

    override fun getType(uri: Uri): String = "image/jpeg"

    override fun query(uri: Uri, projection: Array<out String>?, selection: String?, selectionArgs: Array<out String>?, sortOrder: String?): Cursor? {
        val context = context ?: return null
        if (uri.lastPathSegment != FILE_NAME) return null
        // Some camera apps ask for the name and size before writing.
        return MatrixCursor(arrayOf(OpenableColumns.DISPLAY_NAME, OpenableColumns.SIZE)).apply {
            addRow(arrayOf<Any>(FILE_NAME, file(context).length()))
        }
    }

    override fun insert(uri: Uri, values: ContentValues?): Uri? = null

    override fun delete(uri: Uri, selection: String?, selectionArgs: Array<out String>?): Int = 0

    override fun update(uri: Uri, values: ContentValues?, selection: String?, selectionArgs: Array<out String>?): Int = 0

    companion object {
        private const val FILE_NAME = "capture.jpg"

        fun authority(context: Context) = "${context.packageName}.companion.photo"

        fun uri(context: Context): Uri = Uri.parse("content://${authority(context)}/$FILE_NAME")

        /** In the cache (no backup), in a folder of its own. */
        fun file(context: Context): File = File(File(context.cacheDir, "pod-capture").apply { mkdirs() }, FILE_NAME)
    }
}
