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
