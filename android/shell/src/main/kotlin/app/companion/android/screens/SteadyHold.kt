package app.companion.android.screens

/**
 * Tells a label held still in front of the camera from the same label shown again.
 *
 * The core's live scanner reports a code, then suppresses that code for
 * `LiveScanConfig.repeatSuppressionMs` counted from the report, not from when the code left the
 * picture: a label held steady is reported again each time the suppression runs out (about
 * every 3 s with the defaults). Where every report counts (an item added to a proof), a repeat
 * that comes right after the suppression ran out is taken for the same hold and ignored; each
 * ignored repeat extends the hold. A code seen again later than [slackMs] after that counts.
 * A second case with an identical label is added with the screen's "Add another" (or after a
 * pause of a few seconds).
 */
class SteadyHold(private val slackMs: Long = 1_500) {
    private var suppressionMs = 3_000L
    private val lastReport = HashMap<String, Long>()

    /** Forgets every hold; [suppressionMs] is the session's `repeatSuppressionMs`. */
    fun reset(suppressionMs: Long) {
        this.suppressionMs = suppressionMs
        lastReport.clear()
    }

    /** Whether a report of [code] at [nowMs] is a new sighting (true) or the same hold (false). */
    fun accept(code: String, nowMs: Long): Boolean {
        val previous = lastReport.put(code, nowMs)
        return previous == null || nowMs - previous > suppressionMs + slackMs
    }
}
