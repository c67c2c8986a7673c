import Foundation

/// Runs `body` — a device session that blocks in reads and writes — on its own thread named
/// `name`, and waits for it without holding a thread of the cooperative pool. When the waiting
/// task is cancelled, `onCancel` asks the session to stop; the call returns once `body` has.
func runOnDedicatedThread(
    named name: String, _ body: @escaping @Sendable () -> Void, onCancel: @escaping @Sendable () -> Void
) async {
    await withTaskCancellationHandler {
        await withCheckedContinuation { (finished: CheckedContinuation<Void, Never>) in
            let thread = Thread {
                body()
                finished.resume()
            }
            thread.name = name
            thread.start()
        }
    } onCancel: {
        onCancel()
    }
}
