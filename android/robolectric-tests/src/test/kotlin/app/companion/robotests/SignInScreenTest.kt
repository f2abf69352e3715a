package app.companion.robotests

import android.app.Activity
import android.view.View
import app.companion.android.screens.AppScreens
import app.companion.android.screens.SignInScreen
import app.companion.android.screens.SyncStatusView
import app.companion.core.SessionState
import app.companion.flows.sessionFlow
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.ClassRule
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner

/** Finds the first view of type [T] under [root]. */
inline fun <reified T : View> find(root: View?): T? = findAll(root).filterIsInstance<T>().firstOrNull()

/** [root] and every view under it, depth first. */
fun findAll(root: View?): List<View> =
    buildList {
        fun walk(v: View?) {
            if (v == null) return
            add(v)
            if (v is android.view.ViewGroup) for (i in 0 until v.childCount) walk(v.getChildAt(i))
        }
        walk(root)
    }

/**
 * The sign-in screen and the sync status view against a real `companion serve`, routed by the
 * core's session stream (AppScreens) in an Activity whose scope the test cancels as onDestroy
 * would: a wrong password shows the error and stays signed out; the right one signs in (the
 * session flow says SignedIn), the app switches screen, and the first download's progress bar
 * follows the core's progress to the end.
 */
@RunWith(RobolectricTestRunner::class)
class SignInScreenTest {
    companion object {
        // Enough rows that the first download reports progress along the way.
        @ClassRule @JvmField
        val server = ServerForClass(catalogueRows = 4000)
    }

    private lateinit var phone: Phone
    private lateinit var screens: ScreensOnActivity
    private val host get() = screens.host

    @Before
    fun setUp() {
        phone = Phone(server.url)
        screens = ScreensOnActivity(phone)
    }

    @After
    fun tearDown() {
        screens.close()
        phone.close()
    }

    @Test
    fun `a wrong password shows the error, the right one signs in and the first download completes`() {
        waitFor("the sign-in screen") { host.current is SignInScreen }
        val signIn = host.current as SignInScreen

        signIn.username.setText("maria")
        signIn.password.setText("not-the-password")
        signIn.signInButton.performClick()
        waitFor("the error") { signIn.problem.visibility == View.VISIBLE && signIn.signInButton.isEnabled }
        assertEquals("The user name or password was not accepted. Check both and try again.", signIn.problem.text.text.toString())
        assertEquals("wrong credentials are not worth retrying as they are", View.GONE, signIn.problem.retry.visibility)
        assertEquals(SessionState.SignedOut, phone.client.sessionState())
        assertTrue("still on the sign-in screen", host.current === signIn)

        signIn.password.setText(ReferenceServer.DEMO_PASSWORD)
        signIn.signInButton.performClick()
        waitFor("the signed-in screen") { host.current !is SignInScreen }
        val session = runBlocking { withTimeout(10_000) { phone.client.sessionFlow().first() } }
        assertTrue("the session flow says SignedIn: $session", session is SessionState.SignedIn)
        assertEquals("maria", (session as SessionState.SignedIn).account.username)

        // The first download: the bar follows it to the end and never goes back.
        val status = find<SyncStatusView>(host.current)!!
        waitFor("the status view follows the core's status") { status.status != null }
        assertEquals("Not synced yet", status.activityText.text.toString())
        status.syncButton.performClick()
        val fractions = mutableListOf<Float>()
        waitFor("the first download to finish", 60_000) {
            if (status.progress.visibility == View.VISIBLE) fractions += status.progress.fraction
            status.activityText.text.toString() == "Up to date"
        }
        val (done, total) = status.download!!
        assertTrue("a download of $total rows", total > 0)
        assertEquals("progress reaches done", total, done)
        assertEquals(1f, status.progress.fraction)
        assertEquals(View.VISIBLE, status.progress.visibility)
        assertTrue("the bar never goes back: $fractions", fractions.zipWithNext().all { (a, b) -> b >= a })
        assertEquals("All changes sent", status.pendingText.text.toString())
    }
}
