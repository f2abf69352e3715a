package app.companion.android.screens

import android.content.Context
import android.graphics.Color
import android.view.View
import android.widget.Button
import android.widget.LinearLayout
import android.widget.TextView
import app.companion.CompanionException
import app.companion.Inventory
import app.companion.core.ItemStock
import app.companion.flows.itemFlow
import app.companion.wire.MovementKind
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.flow.catch
import kotlinx.coroutines.launch

/**
 * One item with its live stock (`Inventory.itemFlow`): every local movement and every pull
 * shows at once. Each lot in each bin shows its quantity and what of it is not confirmed by the
 * server yet; the actions open [StockActionScreen].
 */
class ItemStockScreen(
    context: Context,
    inventory: Inventory,
    warehouseId: String,
    itemId: String,
    scope: CoroutineScope,
    private val onAction: (ItemStock, MovementKind) -> Unit,
) : LinearLayout(context) {
    val name: TextView = context.title("…")
    val details: TextView = context.label(size = 14f)
    val total: TextView = context.label(size = 18f, color = Color.BLACK)

    /** One row per lot and bin. */
    val lines = LinearLayout(context).apply { orientation = VERTICAL }
    val actionButtons: Map<MovementKind, Button> =
        MovementKind.values().associateWith { kind ->
            Button(context).apply {
                text = kind.name.lowercase().replaceFirstChar { it.uppercase() }
                textSize = 13f
                isAllCaps = false
                isEnabled = false
            }
        }
    val syncStatus = SyncStatusView(context)

    /** The stock last rendered; null until the first value, or when the item is not on this phone. */
    var stock: ItemStock? = null
        private set

    init {
        screen()
        add(name, 0)
        add(details, 4)
        add(total, 12)
        add(lines, 4)
        // Two rows: five buttons in one do not fit a phone's width.
        actionButtons.values.chunked(3).forEachIndexed { row, buttons ->
            val actions = LinearLayout(context).apply { orientation = HORIZONTAL }
            buttons.forEach { actions.addView(it, LayoutParams(0, LayoutParams.WRAP_CONTENT, 1f)) }
            repeat(3 - buttons.size) { actions.addView(View(context), LayoutParams(0, 0, 1f)) }
            add(actions, if (row == 0) 16 else 0)
        }
        add(syncStatus, 16)
        actionButtons.forEach { (kind, button) -> button.setOnClickListener { stock?.let { onAction(it, kind) } } }
        syncStatus.follow(inventory, scope)
        scope.launch {
            inventory.itemFlow(warehouseId, itemId)
                .catch { if (it !is CompanionException.NotSignedIn) throw it }
                .collect { render(it) }
        }
    }

    fun render(stock: ItemStock?) {
        this.stock = stock
        actionButtons.values.forEach { it.isEnabled = stock != null }
        lines.removeAllViews()
        if (stock == null) {
            name.text = "Not on this phone"
            details.text = "Sync, then try again."
            total.text = ""
            return
        }
        val item = stock.item
        name.text = item.name
        details.text = listOf(item.sku, item.variety, item.grade, item.origin, item.packSize).filter { it.isNotBlank() }.joinToString(" · ")
        total.text = "${stock.totalQty} ${item.unit} in stock"
        for (line in stock.lines) {
            val pending = if (line.pendingDelta != 0L) "  (%+d pending)".format(line.pendingDelta) else ""
            lines.add(
                context.label(
                    "Lot ${line.lotId} · bin ${line.locationId} · best before ${line.expiryDate}\n${line.qty} ${item.unit}$pending",
                    size = 15f,
                    color = if (pending.isEmpty()) Color.BLACK else PENDING_ORANGE,
                ),
                8,
            )
        }
    }

    companion object {
        val PENDING_ORANGE = Color.rgb(0xB2, 0x5B, 0x00)
    }
}
