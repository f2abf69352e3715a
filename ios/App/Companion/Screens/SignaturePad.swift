import Companion
import SwiftUI

/// The recipient signs with a finger. Strokes are kept as the core's vectors (pad coordinates
/// from the top left, milliseconds since the first point), not as an image: the core renders
/// the PNG and seals the strokes. Empty pads and single taps are the core's to refuse.
@MainActor
final class SignatureDrawing: ObservableObject {
    @Published private(set) var strokes: [[StrokePoint]] = []
    private var started: Date?

    var isEmpty: Bool { strokes.isEmpty }

    func add(_ location: CGPoint, newStroke: Bool) {
        let now = Date()
        let first = started ?? now
        started = first
        let point = StrokePoint(
            x: Int32(location.x.rounded()), y: Int32(location.y.rounded()),
            tMs: UInt32(max(0, now.timeIntervalSince(first) * 1000)))
        if newStroke || strokes.isEmpty {
            strokes.append([point])
        } else {
            strokes[strokes.count - 1].append(point)
        }
    }

    func clear() {
        strokes = []
        started = nil
    }

    /// The signature for `setSignature`, in the pad's size.
    func capture(width: CGFloat, height: CGFloat) -> SignatureCapture {
        .signed(strokes: SignatureStrokes(
            width: UInt32(width), height: UInt32(height),
            strokes: strokes.map { Stroke(points: $0) }))
    }
}

struct SignaturePad: View {
    @ObservedObject var drawing: SignatureDrawing
    /// Called with the pad's size when the user taps "Use signature".
    let onDone: (CGSize) -> Void
    @State private var drawingStroke = false

    var body: some View {
        GeometryReader { geometry in
            VStack {
                Canvas { context, _ in
                    for stroke in drawing.strokes {
                        var path = Path()
                        guard let first = stroke.first else { continue }
                        path.move(to: CGPoint(x: Double(first.x), y: Double(first.y)))
                        for point in stroke.dropFirst() {
                            path.addLine(to: CGPoint(x: Double(point.x), y: Double(point.y)))
                        }
                        context.stroke(path, with: .color(.primary), lineWidth: 2)
                    }
                }
                .frame(height: 180)
                .background(Color(.secondarySystemBackground))
                .gesture(
                    DragGesture(minimumDistance: 0)
                        .onChanged { value in
                            drawing.add(value.location, newStroke: !drawingStroke)
                            drawingStroke = true
                        }
                        .onEnded { _ in drawingStroke = false }
                )
                HStack {
                    Button("Clear") { drawing.clear() }
                    Spacer()
                    Button("Use signature") { onDone(CGSize(width: geometry.size.width, height: 180)) }
                        .disabled(drawing.isEmpty)
                }
            }
        }
        .frame(height: 220)
    }
}
