package app.companion.android.screens

import android.app.Activity
import android.content.Context
import android.content.Intent
import android.graphics.Color
import android.text.InputType
import android.view.View
import android.widget.Button
import android.widget.EditText
import android.widget.LinearLayout
import android.widget.ScrollView
import android.widget.TextView
import app.companion.CompanionException
import app.companion.Deliveries
import app.companion.Permissions
import app.companion.Scanner
import app.companion.android.DeliveryCamera
import app.companion.android.DeliveryLocation
import app.companion.android.PointOfUsePermissions
import app.companion.core.Degradation
import app.companion.core.DeliveryCapture
import app.companion.core.Feature
import app.companion.core.PermissionAction
import app.companion.core.PermissionDecision
import app.companion.core.ProofState
import app.companion.core.SignatureCapture
import app.companion.flows.deliveriesStatusFlow
import app.companion.scan.BarcodeFormat
import app.companion.scan.LiveScanConfig
import app.companion.scan.ScanEvent
import app.companion.scan.ScannedCode
import app.companion.wire.DeliveryOutcome
import app.companion.wire.GeofenceVerdict
import app.companion.wire.ItemScan
import app.companion.wire.LineQuantity
import app.companion.wire.LocationAuthorization
import app.companion.wire.SignatureOutcome
import app.companion.wire.Stop
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.catch
import kotlinx.coroutines.launch
import java.time.ZoneId
import kotlin.math.roundToInt

/**
 * Proof of delivery at the door: outcome, recipient, signature ([SignaturePadView]), photos
 * (from the Activity's [DeliveryCamera]), the current location with its accuracy, the items
 * against the manifest, the geofence verdict and, when the driver is not where the core
 * expects, an override with a reason; then seal and upload.
 *
 * Every step is saved by the core at once and comes back as the `DeliveryCapture` this screen
 * shows (an app killed mid-capture resumes where it was); the core says what is still missing,
 * judges the geofence and seals. The proof's upload state follows `deliveriesStatusFlow`.
 *
 * Camera and location are asked for when the capture opens (the core's decision for
 * `Feature.PROOF_OF_DELIVERY` through [PointOfUsePermissions]: ask, explain then ask, offer
 * Settings, or carry on with less), and the location is taken only here, one fix at a time.
 *
 * "Scan items" (given a [scanner]) swaps the form for the item scanner: a [ScanCameraView]
 * (the camera asked for then, `Feature.SCANNING`) whose confirmed codes become `ItemScan`s
 * ([itemScan]: GTIN, lot, count from the label) added to the proof, with the running tally
 * against the manifest; Back (or "Back to the capture") closes it and releases the camera.
 * Typing an item (with the reason) stays for labels that do not scan.
 */
class ProofCaptureScreen(
    context: Context,
    private val deliveries: Deliveries,
    val stop: Stop,
    private val permissions: PointOfUsePermissions,
    private val corePermissions: Permissions,
    /** The Activity's camera; null where there is none (the proof then goes without photos). */
    private val camera: DeliveryCamera?,
    private val location: DeliveryLocation,
    private val scope: CoroutineScope,
    private val openSettings: (Intent) -> Unit,
    zone: ZoneId = ZoneId.systemDefault(),
    /** The live scanner for "Scan items"; null hides it (typing stays). */
    private val scanner: Scanner? = null,
    /** The item scanner's tuning; the core's defaults unless a test or device needs others. */
    private val scanConfig: LiveScanConfig? = null,
) : LinearLayout(context), HandlesBack {
    // Header
    val stateText: TextView = context.label(size = 14f)
    val missingText: TextView = context.label(size = 14f, color = ATTENTION_ORANGE)
    val uploadNote: TextView = context.label(size = 14f)

    // Permissions: what the core decided, and the one button it leads to.
    val accessNote: TextView = context.label(size = 14f, color = ATTENTION_ORANGE)
    val accessButton = Button(context)

    // Outcome
    val outcomeText: TextView = context.label(size = 14f, color = Color.BLACK)
    val deliveredButton = Button(context).apply { text = "Delivered" }
    val partialButton = Button(context).apply { text = "Partly (as scanned)" }
    val outcomeReason: EditText = context.field("Reason (refused or not delivered)")
    val refusedButton = Button(context).apply { text = "Refused" }
    val notDeliveredButton = Button(context).apply { text = "Not delivered" }

    // Recipient
    val recipient: EditText = context.field("Recipient's name", InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_VARIATION_PERSON_NAME)
    val saveRecipientButton = Button(context).apply { text = "Save name" }

    // Signature
    val signaturePad = SignaturePadView(context)
    val signatureText: TextView = context.label(size = 14f, color = Color.BLACK)
    val clearSignatureButton = Button(context).apply { text = "Clear" }
    val useSignatureButton = Button(context).apply { text = "Use signature" }
    val signatureNote: EditText = context.field("Note if the recipient will not or cannot sign")
    val refusedToSignButton = Button(context).apply { text = "Refused to sign" }
    val unableToSignButton = Button(context).apply { text = "Unable to sign" }

    // Photos
    val photosTitle: TextView = context.label(size = 16f, color = Color.BLACK)
    val photoList = LinearLayout(context).apply { orientation = VERTICAL }
    val takePhotoButton = Button(context).apply { text = "Take photo" }

    // Location and geofence
    val fixText: TextView = context.label(size = 14f, color = Color.BLACK)
    val locationNote: TextView = context.label(size = 14f)
    val locateButton = Button(context).apply { text = "Take location" }
    val geofenceText: TextView = context.label(size = 15f)
    val overrideReason: EditText = context.field("Why this is the right place")
    val overrideButton = Button(context).apply { text = "Override" }
    val overrideText: TextView = context.label(size = 14f, color = Color.BLACK)
    val withdrawOverrideButton = Button(context).apply { text = "Withdraw override" }

    // Items
    val manifestList = LinearLayout(context).apply { orientation = VERTICAL }
    val scannedList = LinearLayout(context).apply { orientation = VERTICAL }
    val discrepancyList = LinearLayout(context).apply { orientation = VERTICAL }
    val gtin: EditText = context.field("GTIN", InputType.TYPE_CLASS_NUMBER)
    val lot: EditText = context.field("Lot (if on the label)")
    val itemQty: EditText = context.field("Quantity", InputType.TYPE_CLASS_NUMBER).apply { setText("1") }
    val manualReason: EditText = context.field("Why typed, not scanned")
    val addItemButton = Button(context).apply { text = "Add item" }
    val scanItemsButton = Button(context).apply { text = "Scan items" }

    // Item scanning: shown instead of the form while open.
    /** The item scanner while it is open (its camera runs only then). */
    var itemCamera: ScanCameraView? = null
        private set
    val itemScanPanel = LinearLayout(context).apply { orientation = VERTICAL }
    /** What the last confirmed code did (added, not an item, held still). */
    val scanStatus: TextView = context.label(size = 15f, color = Color.BLACK)
    /** The running tally: each manifest line scanned of expected, then what is not on it. */
    val tallyList = LinearLayout(context).apply { orientation = VERTICAL }
    val addAnotherButton = Button(context).apply { text = "Add another" }
    val closeScanButton = Button(context).apply { text = "Back to the capture" }

    /** The item the last confirmed code gave (for "Add another": a second case with the same label). */
    var lastScanned: ItemScan? = null
        private set

    val sealButton = Button(context).apply { text = "Seal and upload" }
    val problem = ProblemView(context)

    private val formScroll = ScrollView(context)

    /** The draft's editing sections; hidden once the proof is sealed. */
    private val editing = LinearLayout(context).apply { orientation = VERTICAL }

    /** The capture as the core last returned it. */
    var capture: DeliveryCapture? = null
        private set

    /** The proof's state from the status stream (uploading n/m, uploaded, refused), when it has one. */
    var streamedState: ProofState? = null
        private set

    /** What the core's decision left out (no photos, no geofence); empty when all is allowed. */
    var degraded: List<Degradation> = emptyList()
        private set
    private var cameraAllowed = false
    private var locating: Job? = null
    private var sealing: Job? = null

    init {
        screen()
        val form = LinearLayout(context).apply { orientation = VERTICAL }
        form.add(context.title("Stop ${stop.sequence} · ${stop.customer.name}"), 0)
        form.add(context.label(stop.address.lines.joinToString("\n"), size = 15f, color = Color.BLACK), 4)
        form.add(context.label("Window ${DeliveryTexts.window(stop.window, zone)}", size = 14f), 2)
        form.add(stateText, 4)
        form.add(missingText, 2)
        form.add(uploadNote, 2)
        form.add(accessNote, 8)
        form.addView(accessButton, LayoutParams(LayoutParams.WRAP_CONTENT, LayoutParams.WRAP_CONTENT))

        editing.add(section("Outcome"), 16)
        editing.add(row(deliveredButton, partialButton), 4)
        editing.add(outcomeReason)
        editing.add(row(refusedButton, notDeliveredButton), 4)
        editing.add(outcomeText, 2)

        editing.add(section("Recipient"), 16)
        editing.add(row(recipient, saveRecipientButton, weightFirst = true), 4)

        editing.add(section("Signature"), 16)
        editing.add(signaturePad, 4)
        editing.add(row(clearSignatureButton, useSignatureButton), 4)
        editing.add(signatureText, 2)
        editing.add(signatureNote)
        editing.add(row(refusedToSignButton, unableToSignButton), 4)

        editing.add(photosTitle, 16)
        editing.add(photoList, 4)
        editing.addView(takePhotoButton, LayoutParams(LayoutParams.WRAP_CONTENT, LayoutParams.WRAP_CONTENT))

        editing.add(section("Location"), 16)
        editing.add(fixText, 4)
        editing.add(locationNote, 2)
        editing.addView(locateButton, LayoutParams(LayoutParams.WRAP_CONTENT, LayoutParams.WRAP_CONTENT))
        editing.add(geofenceText, 4)
        editing.add(overrideText, 4)
        editing.add(overrideReason)
        editing.add(row(overrideButton, withdrawOverrideButton), 4)

        editing.add(section("Items"), 16)
        editing.add(manifestList, 4)
        editing.add(scannedList, 4)
        editing.add(discrepancyList, 4)
        editing.add(gtin)
        editing.add(lot)
        editing.add(itemQty)
        editing.add(manualReason)
        editing.add(row(addItemButton, scanItemsButton), 4)

        form.add(editing, 0)
        form.add(problem, 8)
        form.add(sealButton, 16)
        addView(formScroll.apply { addView(form) }, LayoutParams(LayoutParams.MATCH_PARENT, 0, 1f))
        scanItemsButton.visibility = if (scanner != null && context is Activity) View.VISIBLE else View.GONE

        accessNote.visibility = View.GONE
        accessButton.visibility = View.GONE
        takePhotoButton.isEnabled = false
        locateButton.isEnabled = false
        useSignatureButton.isEnabled = false
        signaturePad.onChange = { useSignatureButton.isEnabled = !signaturePad.isEmpty }

        deliveredButton.setOnClickListener { step { deliveries.setOutcome(stop.id, DeliveryOutcome.Delivered) } }
        partialButton.setOnClickListener { step { deliveries.setOutcome(stop.id, partialFromScans()) } }
        refusedButton.setOnClickListener { withReason(outcomeReason) { step { deliveries.setOutcome(stop.id, DeliveryOutcome.Refused(it)) } } }
        notDeliveredButton.setOnClickListener { withReason(outcomeReason) { step { deliveries.setOutcome(stop.id, DeliveryOutcome.NotDelivered(it)) } } }
        saveRecipientButton.setOnClickListener { step { saveRecipient() } }
        clearSignatureButton.setOnClickListener {
            signaturePad.clear()
            if (capture?.signature != null) step { deliveries.clearSignature(stop.id) }
        }
        useSignatureButton.setOnClickListener { useSignature() }
        refusedToSignButton.setOnClickListener {
            val note = signatureNote.text.toString().trim().ifEmpty { null }
            step { deliveries.setSignature(stop.id, SignatureCapture.RefusedToSign(note)) }
        }
        unableToSignButton.setOnClickListener { withReason(signatureNote) { step { deliveries.setSignature(stop.id, SignatureCapture.UnableToSign(it)) } } }
        takePhotoButton.setOnClickListener { takePhoto() }
        locateButton.setOnClickListener { locate() }
        overrideButton.setOnClickListener { withReason(overrideReason) { step { deliveries.setGeofenceOverride(stop.id, it) } } }
        withdrawOverrideButton.setOnClickListener { step { deliveries.setGeofenceOverride(stop.id, null) } }
        addItemButton.setOnClickListener { addTypedItem() }
        scanItemsButton.setOnClickListener { openItemScanner() }
        addAnotherButton.setOnClickListener { lastScanned?.let { add(it, clearTyped = false) } }
        closeScanButton.setOnClickListener { closeItemScanner() }
        sealButton.setOnClickListener { sealAndUpload() }

        scope.launch { open() }
        scope.launch {
            deliveries.deliveriesStatusFlow()
                .catch { if (it !is CompanionException.NotSignedIn) throw it }
                .collect { status ->
                    val mine = status.stops.firstOrNull { it.stopId == stop.id } ?: return@collect
                    streamedState = mine.state
                    renderState()
                }
        }
    }

    // ---- opening: the capture, then the core's permission decision ----

    private suspend fun open() {
        val started = call { deliveries.startCapture(stop.id) } ?: return
        recipient.setText(started.recipientName ?: "")
        if (started.state !is ProofState.Draft) return
        try {
            act(permissions.decide(Feature.PROOF_OF_DELIVERY), asked = false)
        } catch (e: CompanionException) {
            problem.show(Problem.of(e))
        }
    }

    /** Acts on the core's decision: the prompt (once per opening), an explanation, Settings, or less. */
    private suspend fun act(decision: PermissionDecision, asked: Boolean) {
        val action = decision.action
        when {
            action is PermissionAction.Request && !asked ->
                act(permissions.request(Feature.PROOF_OF_DELIVERY, action.permissions), asked = true)
            action is PermissionAction.ExplainThenRequest && !asked ->
                showAccess(
                    "Photos and your location at the door go into the proof of this delivery, only while you capture it.",
                    "Continue",
                ) {
                    accessButton.visibility = View.GONE
                    scope.launch {
                        try {
                            act(permissions.request(Feature.PROOF_OF_DELIVERY, action.permissions), asked = true)
                        } catch (e: CompanionException) {
                            problem.show(Problem.of(e))
                        }
                    }
                }
            action is PermissionAction.OpenSettings -> {
                allow(corePermissions.degradeWithout(Feature.PROOF_OF_DELIVERY, decision))
                val what = if (action.locationServices) "Location is off on this phone." else "Camera or location is off for Companion."
                showAccess("$what Turn it on in Settings, or carry on without it.", "Open Settings") {
                    awaitingSettings = true
                    openSettings(permissions.settingsIntent(action))
                }
            }
            action is PermissionAction.Proceed -> allow(emptyList())
            action is PermissionAction.Degrade -> allow(action.degradations)
            // Asked once already on this screen (or a prompt only iOS has): carry on with what the core allows.
            else -> allow(corePermissions.degradeWithout(Feature.PROOF_OF_DELIVERY, decision))
        }
    }

    /** Sent to Settings from this screen: the answer is read again when the app comes back. */
    private var awaitingSettings = false

    private val returnFromSettings =
        (context as? Activity)?.let { activity ->
            ActivityResumes(activity, onResumed = {
                if (awaitingSettings) {
                    awaitingSettings = false
                    // What the user changed there (a permission, location services) counts
                    // now, without reopening the stop; no prompt follows (asked = true).
                    scope.launch {
                        try {
                            act(permissions.decide(Feature.PROOF_OF_DELIVERY), asked = true)
                        } catch (e: CompanionException) {
                            problem.show(Problem.of(e))
                        }
                    }
                }
            })
        }

    override fun onAttachedToWindow() {
        super.onAttachedToWindow()
        returnFromSettings?.register()
    }

    override fun onDetachedFromWindow() {
        returnFromSettings?.unregister()
        super.onDetachedFromWindow()
    }

    private fun showAccess(note: String, button: String, onClick: () -> Unit) {
        accessNote.text = note
        accessNote.visibility = View.VISIBLE
        accessButton.text = button
        accessButton.visibility = View.VISIBLE
        accessButton.setOnClickListener { onClick() }
    }

    /**
     * What is allowed now. An approximate location still gives a fix (the core judges the
     * geofence unknown from it), so the location is taken whenever any location is granted;
     * [DeliveryLocation] says when none is.
     */
    fun allow(lost: List<Degradation>) {
        degraded = lost
        cameraAllowed = camera != null && Degradation.NO_PHOTOS !in lost
        val notes =
            buildList {
                if (camera == null || Degradation.NO_PHOTOS in lost) add("No camera: the proof goes without photos.")
                if (Degradation.GEOFENCE_UNKNOWN in lost) add("No precise location: the office checks the place by hand.")
            }
        if (notes.isNotEmpty() && accessButton.visibility != View.VISIBLE) {
            accessNote.text = notes.joinToString("\n")
            accessNote.visibility = View.VISIBLE
        } else if (notes.isEmpty()) {
            accessNote.visibility = View.GONE
            accessButton.visibility = View.GONE
        }
        locateButton.isEnabled = true
        renderState()
        locate()
    }

    // ---- steps: each one core call, its capture shown, its error through Problem ----

    /** Runs [call] and shows its capture; returns it, or null after showing the problem. */
    private suspend fun call(call: suspend () -> DeliveryCapture): DeliveryCapture? {
        problem.show(null)
        return try {
            call().also { render(it) }
        } catch (e: CompanionException) {
            val shown = Problem.of(e)
            problem.show(shown)
            fieldView(shown.field)?.error = shown.message
            null
        }
    }

    private fun step(call: suspend () -> DeliveryCapture) {
        scope.launch { call(call) }
    }

    /** [then] with [field]'s trimmed text; marks the field when it is empty. */
    private fun withReason(field: EditText, then: (String) -> Unit) {
        val text = field.text.toString().trim()
        if (text.isEmpty()) {
            field.error = "Say why"
            return
        }
        then(text)
    }

    private suspend fun saveRecipient(): DeliveryCapture =
        deliveries.setRecipient(stop.id, recipient.text.toString().trim().ifEmpty { null })

    fun useSignature() {
        if (signaturePad.isEmpty) return
        val strokes = signaturePad.strokes()
        step { deliveries.setSignature(stop.id, SignatureCapture.Signed(strokes)) }
    }

    fun takePhoto() {
        val camera = camera ?: return
        if (!cameraAllowed) return
        takePhotoButton.isEnabled = false
        scope.launch {
            try {
                val jpeg =
                    try {
                        camera.takePhoto()
                    } catch (e: Exception) {
                        if (e is kotlinx.coroutines.CancellationException) throw e
                        problem.show(Problem(e.message ?: "The camera failed. Try again."))
                        null
                    }
                if (jpeg != null) call { deliveries.addPhoto(stop.id, jpeg) }
            } finally {
                takePhotoButton.isEnabled = cameraAllowed
            }
        }
    }

    /** One current fix, handed to the core, which judges the geofence from it. */
    fun locate() {
        if (locating?.isActive == true) return
        locateButton.isEnabled = false
        locateButton.text = "Locating…"
        locationNote.text = ""
        locating =
            scope.launch {
                try {
                    when (val outcome = location.currentFix()) {
                        is DeliveryLocation.Outcome.Fix -> call { deliveries.setFix(stop.id, outcome.fix) }
                        is DeliveryLocation.Outcome.Unavailable -> locationNote.text = "Location is not allowed for Companion, or location is off."
                        is DeliveryLocation.Outcome.NoFix -> locationNote.text = "No location: ${outcome.reason}. Try again outside or near a window."
                    }
                } catch (e: CompanionException) {
                    problem.show(Problem.of(e))
                } finally {
                    locateButton.isEnabled = true
                    locateButton.text = "Take location"
                }
            }
    }

    /** Partial delivery: the delivered quantity per manifest line, from the items scanned. */
    fun partialFromScans(): DeliveryOutcome {
        val scanned = capture?.scannedItems ?: emptyList()
        return DeliveryOutcome.Partial(
            stop.items.map { line -> LineQuantity(line.lineId, scanned.filter { sameGtin(it.gtin, line.gtin) }.sumOf { it.quantity }) },
        )
    }

    /** An item from the scanner (manualReason null) or typed in (with the reason); reconciled by the core. */
    fun addItem(item: ItemScan) = add(item, clearTyped = true)

    private fun add(item: ItemScan, clearTyped: Boolean) {
        scope.launch {
            if (call { deliveries.addItem(stop.id, item) } != null && clearTyped) {
                gtin.setText("")
                lot.setText("")
                itemQty.setText("1")
            }
        }
    }

    // ---- item scanning ----

    /** Shows the item scanner instead of the form; its camera view asks for the camera now. */
    fun openItemScanner() {
        val scanner = scanner ?: return
        val activity = context as? Activity ?: return
        if (itemCamera != null) return
        val config = scanConfig ?: scanner.defaultLiveConfig()
        val camera =
            ScanCameraView(
                activity, scanner, permissions, scope, openSettings, config,
                typeInstead = "go back and type the item",
                onProblem = { problem.show(it) },
            ) { onItemConfirmed(it) }
        itemCamera = camera
        itemScanPanel.removeAllViews()
        itemScanPanel.add(context.label("Scan items · stop ${stop.sequence}", size = 17f, color = Color.BLACK), 0)
        itemScanPanel.addView(camera, LayoutParams(LayoutParams.MATCH_PARENT, 0, 1f).apply { topMargin = context.dp(8) })
        itemScanPanel.add(scanStatus, 8)
        itemScanPanel.add(tallyList, 4)
        itemScanPanel.add(row(addAnotherButton, closeScanButton), 8)
        scanStatus.text = "Hold a label in the window."
        addAnotherButton.isEnabled = lastScanned != null
        renderTally()
        formScroll.visibility = View.GONE
        addView(itemScanPanel, 0, LayoutParams(LayoutParams.MATCH_PARENT, 0, 1f))
    }

    /** Back to the form; removing the camera view releases the camera and ends its session. */
    fun closeItemScanner() {
        if (itemCamera == null) return
        itemCamera = null
        removeView(itemScanPanel)
        itemScanPanel.removeAllViews()
        formScroll.visibility = View.VISIBLE
    }

    /** System Back while scanning items returns to the capture. */
    override fun handleBack(): Boolean {
        if (itemCamera == null) return false
        closeItemScanner()
        return true
    }

    /**
     * A code the core confirmed while scanning items: outlined, turned into an [ItemScan] and
     * added. The core reports a label held in view once (`LiveScanConfig.repeatSuppressionMs`
     * runs from when it was last seen), so every report is a new sighting; a second case with
     * an identical label is added with "Add another" or by showing it again after a pause.
     */
    fun onItemConfirmed(event: ScanEvent) {
        itemCamera?.outline(event.code)
        val item = itemScan(event.code)
        if (item == null) {
            scanStatus.text = "${event.code.text}: not an item barcode"
            return
        }
        lastScanned = item
        addAnotherButton.isEnabled = true
        val line = stop.items.firstOrNull { sameGtin(it.gtin, item.gtin) }
        scanStatus.text = "Added ${itemText(item)}" + (line?.let { " · ${it.description}" } ?: " · not on the manifest")
        add(item, clearTyped = false)
    }

    private fun itemText(item: ItemScan): String = "${item.gtin}${item.lot?.let { " lot $it" } ?: ""} × ${item.quantity}"

    private fun renderTally() {
        if (itemCamera == null) return
        val scanned = capture?.scannedItems.orEmpty()
        tallyList.removeAllViews()
        for (line in stop.items) {
            val n = scanned.filter { sameGtin(it.gtin, line.gtin) }.sumOf { it.quantity }
            val color = if (n == line.quantity) INSIDE_GREEN else if (n > line.quantity) ATTENTION_ORANGE else Color.BLACK
            tallyList.add(context.label("${line.description}: $n of ${line.quantity}", size = 14f, color = color), 2)
        }
        for (item in scanned.filter { s -> stop.items.none { sameGtin(it.gtin, s.gtin) } }) {
            tallyList.add(context.label("${itemText(item)}: not on the manifest", size = 14f, color = ATTENTION_ORANGE), 2)
        }
    }

    private fun addTypedItem() {
        val code = gtin.text.toString().trim()
        val qty = itemQty.text.toString().trim().toLongOrNull()
        when {
            code.isEmpty() -> gtin.error = "Type the GTIN"
            qty == null -> itemQty.error = "A whole number"
            else -> withReason(manualReason) { reason -> addItem(ItemScan(code, lot.text.toString().trim().ifEmpty { null }, qty, reason)) }
        }
    }

    /**
     * Seals the proof with the device key (the name typed but not saved is saved first), then
     * uploads it. Offline, the sealed proof waits in the queue (the routes screen's Upload, or
     * the next try here, sends it); nothing is lost.
     */
    fun sealAndUpload() {
        if (sealing?.isActive == true) return
        sealButton.isEnabled = false
        sealing =
            scope.launch {
                try {
                    var current = capture
                    if (current?.state is ProofState.Draft) {
                        val typed = recipient.text.toString().trim().ifEmpty { null }
                        if (typed != current.recipientName) current = call { saveRecipient() } ?: return@launch
                        current = call { deliveries.seal(stop.id, null) } ?: return@launch
                    }
                    if (current?.state is ProofState.Sealed) upload()
                } finally {
                    renderState()
                }
            }
    }

    private suspend fun upload() {
        try {
            val report = deliveries.upload(null)
            uploadNote.text = report.stoppedBy?.let { "Sealed and kept on this phone; the upload stopped ($it). It goes again once the phone is online, or press Upload." } ?: ""
        } catch (e: CompanionException) {
            problem.show(Problem.of(e)) { sealAndUpload() }
        }
        call { deliveries.capture(stop.id) }
    }

    // ---- showing the capture ----

    fun render(capture: DeliveryCapture) {
        // Calls in flight together (the location fix taken at open, a tapped outcome) can
        // return in either order: an older capture must not hide a newer edit.
        if (capture.updatedAtMs < (this.capture?.updatedAtMs ?: Long.MIN_VALUE)) return
        this.capture = capture
        val draft = capture.state is ProofState.Draft
        editing.visibility = if (draft) View.VISIBLE else View.GONE

        outcomeText.text = capture.outcome?.let { "Recorded: ${DeliveryTexts.outcome(it)}" } ?: "No outcome yet"

        val signature = capture.signature
        signatureText.text =
            when (signature) {
                null -> if (stop.policy.signatureRequired) "Not signed yet" else "Signature optional"
                is SignatureOutcome.Signed -> "Signature recorded"
                is SignatureOutcome.RefusedToSign -> "Refused to sign" + (signature.note?.let { ": $it" } ?: "")
                is SignatureOutcome.UnableToSign -> "Unable to sign: ${signature.reason}"
            }
        signaturePad.isEnabled = signature == null
        useSignatureButton.isEnabled = signature == null && !signaturePad.isEmpty

        photosTitle.text = "Photos (${capture.photos.size} of ${stop.policy.photosRequired} required)"
        photoList.removeAllViews()
        for (photo in capture.photos) {
            val remove = Button(context).apply {
                text = "Remove"
                setOnClickListener { step { deliveries.removePhoto(stop.id, photo.sha256) } }
            }
            photoList.add(row(context.label("${photo.width}×${photo.height}, ${photo.size / 1024u} KB", size = 14f, color = Color.BLACK), remove, weightFirst = true), 2)
        }

        val fix = capture.fix
        fixText.text =
            if (fix == null) {
                "No location yet"
            } else {
                val metres = (fix.accuracyCm.toDouble() / 100).roundToInt()
                "Within $metres m" + if (fix.authorization == LocationAuthorization.APPROXIMATE) " (approximate)" else " (precise)"
            }
        val geofence = capture.geofence
        geofenceText.text = DeliveryTexts.geofence(geofence)
        geofenceText.setTextColor(if (geofence.verdict == GeofenceVerdict.INSIDE) INSIDE_GREEN else ATTENTION_ORANGE)
        val overridden = capture.geofenceOverride
        val canOverride = geofence.verdict != GeofenceVerdict.INSIDE
        overrideText.text = overridden?.let { "Overridden: ${it.reason}" } ?: ""
        overrideText.visibility = if (overridden != null) View.VISIBLE else View.GONE
        withdrawOverrideButton.visibility = if (overridden != null) View.VISIBLE else View.GONE
        overrideReason.visibility = if (canOverride && overridden == null) View.VISIBLE else View.GONE
        overrideButton.visibility = overrideReason.visibility

        manifestList.removeAllViews()
        for (line in stop.items) {
            val scanned = capture.scannedItems.filter { sameGtin(it.gtin, line.gtin) }.sumOf { it.quantity }
            manifestList.add(context.label("${line.description}: $scanned of ${line.quantity}", size = 14f, color = Color.BLACK), 2)
        }
        scannedList.removeAllViews()
        capture.scannedItems.forEachIndexed { index, item ->
            val remove = Button(context).apply {
                text = "Remove"
                setOnClickListener { step { deliveries.removeItem(stop.id, index.toUInt()) } }
            }
            val how = if (item.manualReason == null) "" else " (typed)"
            val lotText = item.lot?.let { " lot $it" } ?: ""
            scannedList.add(row(context.label("${item.gtin}$lotText × ${item.quantity}$how", size = 14f, color = Color.BLACK), remove, weightFirst = true), 2)
        }
        discrepancyList.removeAllViews()
        for (d in capture.discrepancies) discrepancyList.add(context.label(DeliveryTexts.discrepancy(d), size = 14f, color = ATTENTION_ORANGE), 2)
        renderTally()

        renderState()
    }

    private fun renderState() {
        val capture = capture
        val state = streamedState?.takeIf { capture == null || capture.state !is ProofState.Draft || it !is ProofState.Draft } ?: capture?.state
        stateText.text = DeliveryTexts.proofState(state, stop)
        val missing = capture?.missing.orEmpty()
        missingText.text = if (missing.isEmpty()) "" else "Still needed: ${missing.joinToString(", ")}"
        missingText.visibility = if (missing.isEmpty() || capture?.state !is ProofState.Draft) View.GONE else View.VISIBLE
        takePhotoButton.isEnabled = cameraAllowed
        val draft = capture?.state is ProofState.Draft
        val sealedWaiting = capture?.state is ProofState.Sealed && state !is ProofState.Uploading && state !is ProofState.Uploaded
        sealButton.text = if (draft) "Seal and upload" else "Upload"
        sealButton.visibility = if (draft || sealedWaiting) View.VISIBLE else View.GONE
        sealButton.isEnabled = sealing?.isActive != true && ((draft && missing.isEmpty()) || sealedWaiting)
    }

    /** The input the core's `InvalidInput.field` names. */
    private fun fieldView(field: String?): EditText? =
        when {
            field == null -> null
            field.startsWith("recipient") -> recipient
            field.startsWith("geofence_override") -> overrideReason
            field.startsWith("signature.reason") -> signatureNote
            field.startsWith("outcome") -> outcomeReason
            field.startsWith("item") -> gtin
            else -> null
        }

    private fun section(text: String): TextView = context.label(text, size = 17f, color = Color.BLACK)

    /** Views side by side; with [weightFirst] the first takes the room left by the others. */
    private fun row(vararg views: View, weightFirst: Boolean = false): LinearLayout =
        LinearLayout(context).apply {
            orientation = HORIZONTAL
            views.forEachIndexed { i, v ->
                val params =
                    if (weightFirst && i == 0) {
                        LayoutParams(0, LayoutParams.WRAP_CONTENT, 1f)
                    } else {
                        LayoutParams(LayoutParams.WRAP_CONTENT, LayoutParams.WRAP_CONTENT)
                    }
                addView(v, params)
            }
        }

    companion object {
        val ATTENTION_ORANGE = Color.rgb(0xB2, 0x5E, 0x00)
        val INSIDE_GREEN = Color.rgb(0x2E, 0x7D, 0x32)

        /**
         * The item a scanned label stands for: the GTIN from GS1 AI 01 (else the digits of an
         * EAN/UPC, or of a 14-digit ITF), the lot from AI 10, the quantity from AI 37 or 30
         * (else 1); scanned, so no manual reason. Null for a code that names no item.
         */
        fun itemScan(code: ScannedCode): ItemScan? {
            fun ai(id: String) = code.gs1.firstOrNull { it.ai == id && it.issue == null }?.value
            val digits = code.text.all { it.isDigit() }
            val gtin =
                ai("01") ?: code.text.takeIf {
                    digits &&
                        when (code.format) {
                            BarcodeFormat.EAN13, BarcodeFormat.EAN8, BarcodeFormat.UPC_A, BarcodeFormat.UPC_E -> true
                            BarcodeFormat.ITF -> it.length == 14
                            else -> false
                        }
                } ?: return null
            val count = (ai("37") ?: ai("30"))?.toLongOrNull()?.takeIf { it > 0 } ?: 1L
            return ItemScan(gtin, ai("10"), count, null)
        }

        /** GTINs compare as numbers, as the core reconciles them: an EAN-13 equals its GTIN-14 with a leading 0. */
        fun sameGtin(a: String, b: String): Boolean = a.trimStart('0') == b.trimStart('0')
    }
}
