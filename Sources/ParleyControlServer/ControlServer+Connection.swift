import Logging
import NIOCore
import NIOPosix
import ParleyControl
import ParleyCore
import ServiceLifecycle

extension ControlServer {
    /// Serves one connection: a reader feeding the session, an executor running its work in
    /// order, and an idle watch, until the session says to close.
    func serve(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>, number: UInt64) async {
        let channel = connection.channel
        var logger = self.logger
        logger[metadataKey: "control.connection"] = "\(number)"
        let peer: PeerCredentials
        do {
            peer = try await PeerCredentials.of(channel)
        } catch {
            // Almost always a client that connected and left at once: nothing for an engineer to do.
            logger.debug("Control connection dropped: peer credentials unreadable", metadata: ["control.error": "\(error)"])
            try? await channel.close()
            return
        }
        let role = roles(peer)
        let operatorName = (try? await NIOThreadPool.singleton.runIfActive { peer.operatorName }) ?? "uid:\(peer.uid)"
        logger[metadataKey: "peer.pid"] = "\(peer.pid)"
        logger[metadataKey: "peer.uid"] = "\(peer.uid)"
        logger[metadataKey: "peer.gid"] = "\(peer.gid)"
        logger[metadataKey: "peer.role"] = "\(role?.rawValue ?? "none")"
        logger.debug("Control connection opened")
        let connectionLogger = logger

        let start = clock.now
        let clock = self.clock
        let elapsed: @Sendable () -> Duration = { start.duration(to: clock.now) }
        let session = ControlSession(
            machine: ControlSessionStateMachine(
                role: role, peerUID: peer.uid, peerGID: peer.gid, maxLineBytes: settings.maxLineBytes,
                maxQueued: settings.maxQueuedRequests))
        let context = ConnectionContext(
            peer: peer, role: role, operatorName: operatorName, session: session, logger: connectionLogger)
        let runner = self.runner
        do {
            try await connection.executeThenClose { inbound, outbound in
                await withGracefulShutdownHandler {
                    await withTaskGroup(of: Void.self) { group in
                        group.addTask {
                            await Self.read(inbound, into: session, elapsed: elapsed, logger: connectionLogger)
                        }
                        group.addTask {
                            await self.watchIdle(
                                session, start: start, elapsed: elapsed, outbound: outbound, logger: connectionLogger)
                        }
                        await Self.execute(session, runner: runner, context: context, outbound: outbound, elapsed: elapsed)
                        session.close()
                        channel.close(promise: nil)  // ends the reader
                        group.cancelAll()
                    }
                } onGracefulShutdown: {
                    session.shutdown()
                }
            }
        } catch {
            logger.debug("Control connection error", metadata: ["control.error": "\(error)"])
        }
        logger.debug("Control connection closed")
    }

    private static func read(
        _ inbound: NIOAsyncChannelInboundStream<ByteBuffer>, into session: ControlSession,
        elapsed: @Sendable () -> Duration, logger: Logger
    ) async {
        do {
            reading: for try await buffer in inbound {
                let action = buffer.withUnsafeReadableBytes { session.received($0, at: elapsed()) }
                switch action {
                case .keepReading: continue
                case .pauseReading: await session.waitForRoom()
                case .stopReading: break reading
                }
            }
        } catch {
            // Reset by the peer, or the channel closed under us: the same as end of input.
        }
        let dropped = session.inputEnded(at: elapsed())
        if dropped > 0 {
            logger.debug(
                "Control connection ended inside a request line; it was not executed",
                metadata: ["control.discarded_bytes": "\(dropped)"])
        }
    }

    private static func execute(
        _ session: ControlSession, runner: ControlCommandRunner, context: ConnectionContext,
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>, elapsed: @Sendable () -> Duration
    ) async {
        while let work = await session.next() {
            var closeAfter = false
            do {
                switch work {
                case .execute(let request):
                    try await runner.run(request, on: context, outbound: outbound)
                case .refuse(let refusal):
                    try await runner.refuse(refusal, on: context, outbound: outbound)
                    closeAfter = refusal.closesConnection
                }
            } catch {
                context.logger.debug("Control peer went away during a command")
                closeAfter = true
            }
            session.finished(at: elapsed())
            if closeAfter { return }
        }
    }

    private func watchIdle(
        _ session: ControlSession, start: C.Instant, elapsed: @Sendable () -> Duration,
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>, logger: Logger
    ) async {
        while !Task.isCancelled {
            let timeout = idleTimeout
            let now = elapsed()
            if session.endIfIdle(at: now, timeout: timeout) {
                logger.debug("Control connection idle; closing it", metadata: ["control.idle_timeout": "\(timeout)"])
                try? await outbound.write(ByteBuffer(bytes: ControlMessage.failure(id: nil, .idleTimeout(timeout))))
                session.wakeExecutor()
                return
            }
            // While busy, look again a full timeout later: the deadline then counts from the end of the work.
            let wake = session.idleDeadline(timeout: timeout) ?? now + timeout
            do {
                try await clock.sleep(until: start.advanced(by: wake), tolerance: nil)
            } catch {
                return
            }
        }
    }
}
