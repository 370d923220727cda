import LeaseLog
import NIOCore

/// Cuts the TCP byte stream into ``ReplicationFrame``s: a length prefix, then that many
/// bytes. A length over ``ReplicationFrame/maximumLength`` or a body that does not decode
/// fails the channel, which closes the connection.
struct FrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ReplicationFrame

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return .needMoreData }
        guard length <= ReplicationFrame.maximumLength else {
            throw ReplicationFrame.DecodingError(
                reason: "a frame of \(length) bytes (at most \(ReplicationFrame.maximumLength))")
        }
        guard buffer.readableBytes >= 4 + Int(length) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 4)
        let body = buffer.readBytes(length: Int(length))!
        context.fireChannelRead(wrapInboundOut(try ReplicationFrame.decode(body[...])))
        return .continue
    }
}

/// Writes ``ReplicationFrame``s with their length prefix.
struct FrameEncoder: MessageToByteEncoder {
    typealias OutboundIn = ReplicationFrame

    func encode(data: ReplicationFrame, out: inout ByteBuffer) throws {
        out.writeBytes(data.encoded())
    }
}

extension NIOAsyncChannelOutboundWriter where OutboundOut == ReplicationFrame {
    /// Writes `records` (a snapshot, a hand-back) in frames of at most 256, each made by
    /// `frame` from its encoded bytes, counting them in `status`.
    func write(
        _ records: [LeaseRecord], status: RedundancyStatus, countingRecords: Bool,
        in frame: ([UInt8]) -> ReplicationFrame
    ) async throws {
        let encoder = RecordBytes()
        for start in stride(from: 0, to: records.count, by: 256) {
            for record in records[start..<min(start + 256, records.count)] { try encoder.append(record) }
            let count = encoder.recordCount
            try await write(frame(encoder.take()))
            if countingRecords { status.add(.recordsSent, count) }
            status.add(.framesSent)
        }
    }
}
