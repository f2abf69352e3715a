package app.companion.android

import android.util.Log
import app.companion.core.LogLevel
import app.companion.core.LogRecord
import app.companion.core.LogSink

/**
 * Sends the core's tracing output to Logcat under one tag, so `adb logcat -s Companion` shows
 * everything the core says. The core has already filtered by level and never logs tokens.
 */
class LogcatLogSink(private val tag: String = TAG) : LogSink {
    override fun log(record: LogRecord) {
        Log.println(priorityOf(record.level), tag, "${record.target}: ${record.line}")
    }

    private fun priorityOf(level: LogLevel): Int =
        when (level) {
            LogLevel.TRACE -> Log.VERBOSE
            LogLevel.DEBUG -> Log.DEBUG
            LogLevel.INFO -> Log.INFO
            LogLevel.WARN -> Log.WARN
            LogLevel.ERROR -> Log.ERROR
        }

    companion object {
        const val TAG = "Companion"
    }
}
