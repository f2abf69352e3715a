package app.companion.android.screens

import android.content.Context
import android.text.InputType
import android.view.View
import android.widget.Button
import android.widget.EditText
import android.widget.LinearLayout
import android.widget.RadioButton
import android.widget.RadioGroup
import android.widget.ScrollView
import app.companion.CompanionException
import app.companion.Inventory
import app.companion.core.ItemStock
import app.companion.core.NewMovement
import app.companion.wire.AdjustReason
import app.companion.wire.MovementKind
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.launch

/**
 * Receive, move, adjust (with a reason), count or pick one item, recorded offline on this
 * phone (`Inventory.record`): it shows in the stock at once and waits in the outbox until a
 * sync. The core validates; its `InvalidInput` is shown on the field it names.
 *
 * An adjustment's quantity is typed as a positive amount and takes its sign from the reason
 * (found stock adds, damage, spoilage and shrink remove).
 */
class StockActionScreen(
    context: Context,
    private val inventory: Inventory,
    private val stock: ItemStock,
    val kind: MovementKind,
    private val scope: CoroutineScope,
    private val onDone: () -> Unit,
) : LinearLayout(context) {
    /** The item's lots and bins; choosing one fills [lot] and [bin]. */
    val lines = RadioGroup(context)
    val lot: EditText = context.field("Lot")
    val bin: EditText = context.field(if (kind == MovementKind.RECEIVE) "Into bin" else "Bin")
    val toBin: EditText = context.field("To bin")
    val qty: EditText =
        context.field(
            when (kind) {
                MovementKind.RECEIVE -> "Quantity received"
                MovementKind.MOVE -> "Quantity moved"
                MovementKind.ADJUST -> "Quantity"
                MovementKind.COUNT -> "Quantity counted"
                MovementKind.PICK -> "Quantity picked"
            },
            InputType.TYPE_CLASS_NUMBER,
        )
    val reasons = RadioGroup(context)
    val reasonButtons: Map<AdjustReason, RadioButton> =
        AdjustReason.values().associateWith { reason ->
            context.choice(reason.name.lowercase().replaceFirstChar { it.uppercase() })
        }
    val recordButton = Button(context).apply { text = "Record" }
    val problem = ProblemView(context)

    private var recording: Job? = null

    init {
        screen()
        val verb = kind.name.lowercase().replaceFirstChar { it.uppercase() }
        add(context.title("$verb · ${stock.item.name}"), 0)
        for (line in stock.lines) {
            val choice =
                context.choice("Lot ${line.lotId} · bin ${line.locationId} · ${line.qty} ${stock.item.unit}").apply {
                    setOnCheckedChangeListener { _, checked ->
                        if (checked) {
                            lot.setText(line.lotId)
                            bin.setText(line.locationId)
                        }
                    }
                }
            lines.addView(choice)
        }
        (lines.getChildAt(0) as? RadioButton)?.isChecked = true
        reasonButtons.values.forEach { reasons.addView(it) }
        val form = LinearLayout(context).apply { orientation = VERTICAL }
        form.add(lines, 8)
        form.add(lot)
        form.add(bin)
        if (kind == MovementKind.MOVE) form.add(toBin)
        form.add(qty)
        if (kind == MovementKind.ADJUST) form.add(reasons)
        form.add(problem)
        form.add(recordButton, 16)
        addView(ScrollView(context).apply { addView(form) }, LayoutParams(LayoutParams.MATCH_PARENT, 0, 1f))
        recordButton.setOnClickListener { record() }
    }

    fun record() {
        if (recording?.isActive == true) return
        problem.show(null)
        val amount = qty.text.toString().trim().toLongOrNull()
        if (amount == null) {
            qty.error = "Type a quantity"
            return
        }
        val reason = reasonButtons.entries.firstOrNull { it.value.isChecked }?.key
        if (kind == MovementKind.ADJUST && reason == null) {
            problem.show(Problem("Choose why the stock changed."))
            return
        }
        val signed = if (kind == MovementKind.ADJUST && reason != AdjustReason.FOUND) -amount else amount
        val movement =
            NewMovement(
                warehouseId = stock.item.warehouseId,
                kind = kind,
                itemId = stock.item.itemId,
                lotId = lot.text.toString().trim(),
                locationId = bin.text.toString().trim(),
                toLocationId = if (kind == MovementKind.MOVE) toBin.text.toString().trim() else null,
                qty = signed,
                reason = if (kind == MovementKind.ADJUST) reason else null,
                poLineId = null,
            )
        recordButton.isEnabled = false
        recording =
            scope.launch {
                try {
                    inventory.record(movement)
                    onDone()
                } catch (e: CompanionException) {
                    val shown = Problem.of(e)
                    problem.show(shown)
                    fieldView(shown.field)?.error = shown.message
                } finally {
                    recordButton.isEnabled = true
                }
            }
    }

    /** The input the core's `InvalidInput.field` names. */
    private fun fieldView(field: String?): EditText? =
        when (field) {
            "qty" -> qty
            "lot_id", "lotId" -> lot
            "location_id", "locationId" -> bin
            "to_location_id", "toLocationId" -> toBin
            else -> null
        }
}
