package app.companion.android.screens

import android.content.Context
import android.content.Intent
import android.graphics.Color
import android.view.View
import android.widget.Button
import android.widget.LinearLayout
import android.widget.ScrollView
import android.widget.Switch
import android.widget.TextView
import app.companion.CompanionException
import app.companion.PushNotifications
import app.companion.android.PointOfUsePermissions
import app.companion.core.Feature
import app.companion.core.PermissionAction
import app.companion.core.PermissionDecision
import app.companion.wire.Account
import app.companion.wire.Category
import app.companion.wire.Preference
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.launch

/**
 * Which notifications this user gets: stock alerts per warehouse, purchase orders, approvals,
 * delivery assignments (all on unless switched off; edits work offline and are sent by
 * `syncPreferences`). The notification permission is asked at the point of use only: when a
 * category is switched on, through [PointOfUsePermissions] (request, explain first, or offer
 * Settings, as the core decides); never when the screen opens or a switch goes off.
 */
class NotificationSettingsScreen(
    context: Context,
    private val push: PushNotifications,
    private val permissions: PointOfUsePermissions,
    account: Account,
    private val scope: CoroutineScope,
    private val openSettings: (Intent) -> Unit,
) : LinearLayout(context) {
    /** One switch per category (and per warehouse for stock alerts), keyed like the core's preferences. */
    val switches: Map<Pair<Category, String?>, Switch>

    /** What the permission decision means for the user; gone while notifications can be shown. */
    val permissionNote: TextView = context.label(size = 14f, color = ProblemView.PROBLEM_RED)
    val permissionButton = Button(context)
    val problem = ProblemView(context)

    private var loading = true

    init {
        screen()
        add(context.title("Notifications"), 0)
        val keys =
            account.warehouses.map { (Category.STOCK_BELOW_THRESHOLD to it.id) to "Low stock in ${it.name}" } +
                listOf(
                    (Category.PURCHASE_ORDER to null) to "Purchase orders",
                    (Category.APPROVAL to null) to "Approvals waiting for me",
                    (Category.DELIVERY_ASSIGNMENT to null) to "Deliveries assigned to me",
                )
        val list = LinearLayout(context).apply { orientation = VERTICAL }
        switches =
            keys.associate { (key, text) ->
                key to
                    Switch(context).apply {
                        this.text = text
                        textSize = 16f
                        setTextColor(Color.BLACK)
                        isChecked = true
                        // Until the saved preferences are shown, a tap would act on a guess.
                        isEnabled = false
                        setOnCheckedChangeListener { _, on -> if (!loading) changed(key.first, key.second, on) }
                        list.add(this, 12)
                    }
            }
        add(permissionNote, 12)
        addView(permissionButton, LayoutParams(LayoutParams.WRAP_CONTENT, LayoutParams.WRAP_CONTENT))
        add(problem)
        addView(ScrollView(context).apply { addView(list) }, LayoutParams(LayoutParams.MATCH_PARENT, 0, 1f))
        showDecision(null)
        scope.launch {
            val saved =
                try {
                    push.preferences()
                } catch (e: CompanionException) {
                    problem.show(Problem.of(e))
                    emptyList()
                }
            showPreferences(saved)
        }
    }

    /** The saved preferences (only the switches that are off are listed; the rest are on), then taps count. */
    fun showPreferences(saved: List<Preference>) {
        loading = true
        switches.values.forEach { it.isChecked = true }
        for (p in saved) switches[p.category to p.warehouseId]?.isChecked = p.enabled
        switches.values.forEach { it.isEnabled = true }
        loading = false
    }

    private fun changed(category: Category, warehouseId: String?, on: Boolean) {
        problem.show(null)
        scope.launch {
            try {
                push.setPreference(category, warehouseId, on)
                if (on) askIfNeeded()
                try {
                    push.syncPreferences()
                } catch (e: CompanionException.Offline) {
                    // Kept on the phone; sent with the next sync.
                }
            } catch (e: CompanionException) {
                problem.show(Problem.of(e))
            }
        }
    }

    /** The core's decision for notifications, acted on: the prompt now, or what to show instead. */
    private suspend fun askIfNeeded() {
        var decision = permissions.decide(Feature.NOTIFICATIONS)
        val action = decision.action
        if (action is PermissionAction.Request) decision = permissions.request(Feature.NOTIFICATIONS, action.permissions)
        showDecision(decision)
    }

    fun showDecision(decision: PermissionDecision?) {
        val action = decision?.action
        permissionNote.visibility = View.VISIBLE
        permissionButton.visibility = View.VISIBLE
        when (action) {
            is PermissionAction.ExplainThenRequest -> {
                permissionNote.text = "Companion needs your permission to show these notifications on this phone."
                permissionButton.text = "Allow notifications"
                permissionButton.setOnClickListener {
                    scope.launch { showDecision(permissions.request(Feature.NOTIFICATIONS, action.permissions)) }
                }
            }
            is PermissionAction.OpenSettings -> {
                permissionNote.text = "Notifications are off for Companion. Turn them on in Settings to get these alerts."
                permissionButton.text = "Open Settings"
                permissionButton.setOnClickListener { openSettings(permissions.settingsIntent(action)) }
            }
            is PermissionAction.Degrade -> {
                permissionNote.text = "This phone will not show notifications; the alerts still appear in the app."
                permissionButton.visibility = View.GONE
            }
            else -> {
                permissionNote.visibility = View.GONE
                permissionButton.visibility = View.GONE
            }
        }
    }
}
