package app.companion.android.screens

import android.content.Context
import android.graphics.Color
import android.graphics.Typeface
import android.view.View
import android.widget.LinearLayout
import android.widget.TextView
import kotlin.math.roundToInt

// Code-built framework Views (no XML, no AndroidX): the few shared bits of the screens.

internal fun Context.dp(value: Int): Int = (value * resources.displayMetrics.density).roundToInt()

internal fun Context.title(text: String): TextView =
    TextView(this).apply {
        this.text = text
        textSize = 22f
        setTypeface(typeface, Typeface.BOLD)
        setTextColor(Color.BLACK)
    }

internal fun Context.label(text: String = "", size: Float = 16f, color: Int = Color.DKGRAY): TextView =
    TextView(this).apply {
        this.text = text
        textSize = size
        setTextColor(color)
    }

/** A row of a list that opens something: black text with room for a finger above and below. */
internal fun Context.tappableRow(text: String = "", onClick: () -> Unit): TextView =
    label(text, size = 15f, color = Color.BLACK).apply {
        val p = dp(8)
        setPadding(0, p, 0, p)
        setOnClickListener { onClick() }
    }

/** A vertical screen: white, padded. */
internal fun LinearLayout.screen() {
    orientation = LinearLayout.VERTICAL
    setBackgroundColor(Color.WHITE)
    val p = context.dp(16)
    setPadding(p, p, p, p)
}

internal fun LinearLayout.add(view: View, topMargin: Int = 8): View {
    addView(
        view,
        LinearLayout.LayoutParams(LinearLayout.LayoutParams.MATCH_PARENT, LinearLayout.LayoutParams.WRAP_CONTENT).apply {
            this.topMargin = context.dp(topMargin)
        },
    )
    return view
}

/**
 * A text field whose colours do not depend on the theme: the screens paint their own white
 * background, and a dark theme's light text on it would be unreadable.
 */
internal fun Context.field(hint: String, inputType: Int = android.text.InputType.TYPE_CLASS_TEXT): android.widget.EditText =
    android.widget.EditText(this).apply {
        this.hint = hint
        // Single line first: setSingleLine replaces the transformation, and a password's
        // masking comes from its input type.
        isSingleLine = true
        this.inputType = inputType
        setTextColor(Color.BLACK)
        setHintTextColor(Color.GRAY)
    }

/** A radio button with readable text on the screens' white background. */
internal fun Context.choice(text: String): android.widget.RadioButton =
    android.widget.RadioButton(this).apply {
        id = View.generateViewId()
        this.text = text
        setTextColor(Color.BLACK)
        textSize = 15f
    }
