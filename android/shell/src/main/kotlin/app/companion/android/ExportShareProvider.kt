package app.companion.android

import android.content.ContentProvider
import android.content.ContentValues
import android.content.Context
import android.database.Cursor
import android.database.MatrixCursor
import android.net.Uri
import android.os.ParcelFileDescriptor
import android.provider.OpenableColumns
import app.companion.core.SharedExport
import java.io.File
import java.io.FileNotFoundException

/**
 * Lends the one data export the user chose to share to the app they picked in the share
 * sheet, read-only, through the URI grant of the share Intent: the provider is not exported,
 * serves exactly the plain copy the core made (`AccountData.shareExport`) and nothing once
 * [withdraw] has run. The copy holds the user's personal data; the core removes it with
 * `finishSharing` (and at its next start).
 */
class ExportShareProvider : ContentProvider() {
    override fun onCreate(): Boolean = true

    override fun openFile(uri: Uri, mode: String): ParcelFileDescriptor {
        val file = offered(uri) ?: throw FileNotFoundException("not the shared export")
        if (mode != "r") throw SecurityException("the shared export is read-only")
        return ParcelFileDescriptor.open(file.first, ParcelFileDescriptor.MODE_READ_ONLY)
    }

    override fun getType(uri: Uri): String? = offered(uri)?.let { ZIP }

    override fun query(uri: Uri, projection: Array<out String>?, selection: String?, selectionArgs: Array<out String>?, sortOrder: String?): Cursor? {
        val (file, name) = offered(uri) ?: return null
        // The receiving app shows the name and size before it reads.
        return MatrixCursor(arrayOf(OpenableColumns.DISPLAY_NAME, OpenableColumns.SIZE)).apply {
            addRow(arrayOf<Any>(name, file.length()))
        }
    }

    override fun insert(uri: Uri, values: ContentValues?): Uri? = null

    override fun delete(uri: Uri, selection: String?, selectionArgs: Array<out String>?): Int = 0

    override fun update(uri: Uri, values: ContentValues?, selection: String?, selectionArgs: Array<out String>?): Int = 0

    companion object {
        const val ZIP = "application/zip"

        /** The export on offer: the core's plain copy and the name to show. */
        @Volatile
        private var current: Pair<File, String>? = null

        fun authority(context: Context) = "${context.packageName}.companion.export"

        /** Offers [shared] (replacing any earlier offer) and returns its URI for the share Intent. */
        fun offer(context: Context, shared: SharedExport): Uri {
            current = File(shared.path) to shared.fileName
            return Uri.Builder().scheme("content").authority(authority(context)).appendPath(shared.fileName).build()
        }

        /** Nothing is served any more. */
        fun withdraw() {
            current = null
        }

        private fun offered(uri: Uri): Pair<File, String>? =
            current?.takeIf { (file, name) -> uri.pathSegments == listOf(name) && file.isFile }
    }
}
