package app.companion.android.screens

import android.content.Context
import android.widget.Button
import android.widget.EditText
import android.widget.LinearLayout
import android.widget.ScrollView
import app.companion.CompanionException
import app.companion.Inventory
import app.companion.core.Item
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.launch

/**
 * Finding an item on this phone, offline: a typed barcode (digits only) is looked up as the
 * scanner would, anything else searches name, SKU, variety and origin (empty lists the
 * catalogue). The sync status with the pending count sits on top.
 */
class StockLookupScreen(
    context: Context,
    private val inventory: Inventory,
    private val scope: CoroutineScope,
    private val onOpen: (Item) -> Unit,
) : LinearLayout(context) {
    val syncStatus = SyncStatusView(context)
    val query: EditText = context.field("Name, SKU or barcode")
    val searchButton = Button(context).apply { text = "Search" }
    val problem = ProblemView(context)

    /** One row per item found. */
    val results = LinearLayout(context).apply { orientation = VERTICAL }

    init {
        screen()
        add(context.title("Stock"), 0)
        add(syncStatus, 8)
        val bar = LinearLayout(context).apply { orientation = HORIZONTAL }
        bar.addView(query, LayoutParams(0, LayoutParams.WRAP_CONTENT, 1f))
        bar.addView(searchButton, LayoutParams(LayoutParams.WRAP_CONTENT, LayoutParams.WRAP_CONTENT))
        add(bar, 12)
        add(problem)
        addView(ScrollView(context).apply { addView(results) }, LayoutParams(LayoutParams.MATCH_PARENT, 0, 1f))
        syncStatus.follow(inventory, scope)
        searchButton.setOnClickListener { search() }
    }

    /** Buttons under the title to the account's other screens (notifications, profile). */
    fun addLinks(vararg links: Pair<String, () -> Unit>) {
        val row = LinearLayout(context).apply { orientation = HORIZONTAL }
        for ((text, open) in links) {
            row.addView(
                Button(context).apply {
                    this.text = text
                    isAllCaps = false
                    setOnClickListener { open() }
                },
                LayoutParams(LayoutParams.WRAP_CONTENT, LayoutParams.WRAP_CONTENT),
            )
        }
        addView(row, 1)
    }

    fun search() {
        val text = query.text.toString().trim()
        problem.show(null)
        scope.launch {
            try {
                val items =
                    if (text.length >= 8 && text.all(Char::isDigit)) {
                        inventory.lookup(text).map { it.item }
                    } else {
                        inventory.search(text, 50u)
                    }
                showResults(items)
            } catch (e: CompanionException) {
                showResults(emptyList())
                problem.show(Problem.of(e)) { search() }
            }
        }
    }

    fun showResults(items: List<Item>) {
        results.removeAllViews()
        if (items.isEmpty()) {
            results.add(context.label("Nothing found on this phone."), 8)
            return
        }
        for (item in items) {
            val row = context.tappableRow("${item.name}\n${item.sku} · ${item.variety} · ${item.origin} · ${item.warehouseId}") { onOpen(item) }
            results.add(row, 0)
        }
    }
}
