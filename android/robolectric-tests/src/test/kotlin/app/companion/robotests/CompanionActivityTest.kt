package app.companion.robotests

import android.view.View
import android.view.ViewGroup
import app.companion.CompanionClient
import app.companion.android.CompanionActivity
import app.companion.android.screens.ItemStockScreen
import app.companion.android.screens.SignInScreen
import app.companion.android.screens.StockLookupScreen
import kotlinx.coroutines.runBlocking
import org.junit.After
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.ClassRule
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import android.widget.TextView

/**
 * The app's Activity with the test's client instead of CompanionProvider's (no Keystore here).
 * Not named Test*: Surefire would load it as a test class outside Robolectric's sandbox.
 */
class InjectedCompanionActivity : CompanionActivity() {
    override suspend fun openClient(): CompanionClient = client!!

    companion object {
        var client: CompanionClient? = null
    }
}

/**
 * CompanionActivity's lifecycle against a real `companion serve`: it routes on the session
 * (sign-in, then stock), Back walks the screen stack, and after onDestroy its screens no longer
 * follow the core (a sign-in then changes nothing on the destroyed Activity).
 */
@RunWith(RobolectricTestRunner::class)
class CompanionActivityTest {
    companion object {
        @ClassRule @JvmField
        val server = ServerForClass()
    }

    private lateinit var phone: Phone

    @Before
    fun setUp() {
        phone = Phone(server.url)
        InjectedCompanionActivity.client = phone.client
    }

    @After
    fun tearDown() {
        InjectedCompanionActivity.client = null
        phone.close()
    }

    private fun screenOf(activity: CompanionActivity): View? = (activity.findViewById<ViewGroup>(android.R.id.content)).getChildAt(0)

    @Test
    fun `routes on the session, Back walks the stack, and onDestroy stops following the core`() {
        val controller = Robolectric.buildActivity(InjectedCompanionActivity::class.java).setup()
        val activity = controller.get()
        waitFor("the sign-in screen") { screenOf(activity) is SignInScreen }
        val signIn = screenOf(activity) as SignInScreen
        signIn.username.setText("maria")
        signIn.password.setText(ReferenceServer.DEMO_PASSWORD)
        signIn.signInButton.performClick()
        waitFor("the stock screen") { screenOf(activity) is StockLookupScreen }

        // The sync loop started at sign-in downloads the catalogue; open its first item.
        val lookup = screenOf(activity) as StockLookupScreen
        waitFor("the first download", 60_000) { lookup.syncStatus.activityText.text.toString() == "Up to date" }
        lookup.searchButton.performClick()
        waitFor("the catalogue") { lookup.results.childCount > 1 }
        (lookup.results.getChildAt(0) as TextView).performClick()
        waitFor("the item") { (screenOf(activity) as? ItemStockScreen)?.stock != null }
        @Suppress("DEPRECATION")
        activity.onBackPressed()
        assertTrue("Back returns to the lookup", screenOf(activity) is StockLookupScreen)
        assertFalse(activity.isFinishing)

        // Signed out while the Activity lives: back to sign-in.
        runBlocking { phone.client.signOut() }
        waitFor("the sign-in screen again") { screenOf(activity) is SignInScreen }

        // Destroyed: its scope is cancelled, so a sign-in no longer reaches it.
        controller.pause().stop().destroy()
        runBlocking { phone.client.signIn("maria", ReferenceServer.DEMO_PASSWORD) }
        val deadline = System.currentTimeMillis() + 1_000
        while (System.currentTimeMillis() < deadline) {
            org.robolectric.Shadows.shadowOf(android.os.Looper.getMainLooper()).idle()
            Thread.sleep(20)
        }
        assertTrue("the destroyed Activity's screen did not follow the sign-in", screenOf(activity) is SignInScreen)
    }
}
