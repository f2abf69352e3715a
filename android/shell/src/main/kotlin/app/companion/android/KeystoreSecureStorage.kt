package app.companion.android

import android.content.Context
import android.content.SharedPreferences
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import android.util.Base64
import android.util.Log
import app.companion.core.PlatformException
import app.companion.core.SecureStorage
import java.security.GeneralSecurityException
import java.security.KeyStore
import javax.crypto.AEADBadTagException
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec

/**
 * The core's secure storage on Android: each value is sealed with AES-256-GCM under a key that
 * lives in the AndroidKeyStore (never in app memory or on disk) and the sealed bytes are kept
 * base64-encoded in a private SharedPreferences file.
 *
 * The core keeps the access/refresh tokens, the install id and the device signing key here.
 * Exclude [PREFERENCES_FILE] from Auto Backup (dataExtractionRules): the Keystore key does not
 * travel with a backup, so restored values could never be opened on the new phone.
 */
class KeystoreSecureStorage(
    context: Context,
    private val keyAlias: String = KEY_ALIAS,
) : SecureStorage {
    private val preferences: SharedPreferences =
        context.applicationContext.getSharedPreferences(PREFERENCES_FILE, Context.MODE_PRIVATE)

    override fun get(key: String): ByteArray? {
        val stored = preferences.getString(key, null) ?: return null
        return platformCall("read '$key'") {
            val sealed = Base64.decode(stored, Base64.NO_WRAP)
            require(sealed.size > IV_BYTES) { "stored value is too short to hold an IV" }
            val cipher = Cipher.getInstance(TRANSFORMATION)
            cipher.init(
                Cipher.DECRYPT_MODE,
                existingKey() ?: return@platformCall unrecoverable(key, "its Keystore key is gone"),
                GCMParameterSpec(TAG_BITS, sealed, 0, IV_BYTES),
            )
            cipher.updateAAD(key.toByteArray(Charsets.UTF_8))
            try {
                cipher.doFinal(sealed, IV_BYTES, sealed.size - IV_BYTES)
            } catch (e: AEADBadTagException) {
                unrecoverable(key, "it was sealed under another key")
            }
        }
    }

    /**
     * A value no key on this phone can open (the preferences came back from a backup or device
     * transfer without their Keystore key) is as good as absent: dropping it lets the core start
     * signed out with a fresh device identity, as after a reinstall, instead of failing every
     * launch. Transient Keystore errors are not treated this way; they surface as PlatformException.
     */
    private fun unrecoverable(key: String, why: String): ByteArray? {
        Log.w(LogcatLogSink.TAG, "secure storage entry '$key' cannot be opened ($why); dropping it")
        preferences.edit().remove(key).commit()
        return null
    }

    override fun put(key: String, value: ByteArray) {
        val encoded = platformCall("seal '$key'") {
            val cipher = Cipher.getInstance(TRANSFORMATION)
            // The Keystore picks a fresh random IV for every encryption; reusing one under GCM
            // would leak the key stream.
            cipher.init(Cipher.ENCRYPT_MODE, secretKey())
            // The entry name is authenticated too, so a value copied under another name (say a
            // refresh token moved to the access-token slot) fails to open instead of being used.
            cipher.updateAAD(key.toByteArray(Charsets.UTF_8))
            val iv = cipher.iv
            check(iv.size == IV_BYTES) { "unexpected GCM IV length ${iv.size}" }
            Base64.encodeToString(iv + cipher.doFinal(value), Base64.NO_WRAP)
        }
        // commit(), not apply(): the core treats a successful put as durable (a token it was
        // just issued must survive the app being killed right after sign-in).
        if (!preferences.edit().putString(key, encoded).commit()) {
            throw PlatformException.Failed("could not write '$key' to $PREFERENCES_FILE")
        }
    }

    override fun delete(key: String) {
        if (!preferences.edit().remove(key).commit()) {
            throw PlatformException.Failed("could not delete '$key' from $PREFERENCES_FILE")
        }
    }

    private fun existingKey(): SecretKey? {
        val keyStore = KeyStore.getInstance(ANDROID_KEYSTORE).apply { load(null) }
        return keyStore.getKey(keyAlias, null) as? SecretKey
    }

    private fun secretKey(): SecretKey {
        existingKey()?.let { return it }
        val generator = KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, ANDROID_KEYSTORE)
        generator.init(
            KeyGenParameterSpec.Builder(
                keyAlias,
                KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT,
            )
                .setKeySize(256)
                .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
                .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
                // No user-authentication requirement: the core refreshes tokens in the
                // background (sync) when nobody is looking at the screen.
                .build(),
        )
        return generator.generateKey()
    }

    /** Keystore and cipher failures reach the core as its typed platform error, never as a crash. */
    private inline fun <T> platformCall(what: String, block: () -> T): T =
        try {
            block()
        } catch (e: GeneralSecurityException) {
            throw PlatformException.Failed("secure storage could not $what: ${e.javaClass.simpleName}")
        } catch (e: IllegalArgumentException) {
            throw PlatformException.Failed("secure storage could not $what: ${e.message}")
        } catch (e: IllegalStateException) {
            throw PlatformException.Failed("secure storage could not $what: ${e.message}")
        }

    companion object {
        const val PREFERENCES_FILE = "companion.secure-storage"
        const val KEY_ALIAS = "companion.secure-storage.aes256gcm"
        private const val ANDROID_KEYSTORE = "AndroidKeyStore"
        private const val TRANSFORMATION = "AES/GCM/NoPadding"
        private const val IV_BYTES = 12
        private const val TAG_BITS = 128
    }
}
