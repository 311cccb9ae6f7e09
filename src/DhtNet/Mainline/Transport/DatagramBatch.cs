using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace DhtNet.Mainline.Transport;

/// <summary>
/// Many datagrams per system call on Linux: one <c>recvmmsg</c> fills up to <see cref="Capacity"/>
/// receive slots, and the replies written while they are handled wait in send slots until one
/// <c>sendmmsg</c> sends them all, in the order they were written. Buffers, addresses and message
/// headers live in arrays pinned for the batch's life, so a batch allocates nothing per datagram.
/// One receive thread owns each batch: not thread-safe.
/// </summary>
internal sealed class DatagramBatch
{
    // Linux errno values (the same on every architecture .NET runs on there).
    public const int ErrorInterrupted = 4;
    public const int ErrorTryAgain = 11;

    // struct mmsghdr on 64-bit Linux: msghdr (name, namelen, iov, iovlen, control, controllen,
    // flags) is 56 bytes, then msg_len, padded to 64.
    private const int HeaderSize = 64;
    private const int IoVecSize = 16;

    // Big enough for any socket address (sockaddr_storage).
    private const int NameSize = 128;

    private const int MessageTruncated = 0x20; // MSG_TRUNC in msg_flags
    private const int WaitForOne = 0x10000;    // MSG_WAITFORONE: block for the first datagram only

    private readonly int _slotSize;
    private readonly byte[] _receiveData;
    private readonly byte[] _receiveNames;
    private readonly MessageHeader[] _receiveHeaders;
    private readonly IoVec[] _receiveVectors;
    private readonly byte[] _sendData;
    private readonly byte[] _sendNames;
    private readonly MessageHeader[] _sendHeaders;
    private readonly IoVec[] _sendVectors;
    private int _pending;

    /// <param name="capacity">Datagrams per system call.</param>
    /// <param name="slotSize">Bytes per datagram slot, for receiving and for sending.</param>
    public DatagramBatch(int capacity, int slotSize)
    {
        Capacity = capacity;
        _slotSize = slotSize;
        _receiveData = GC.AllocateUninitializedArray<byte>(capacity * slotSize, pinned: true);
        _receiveNames = GC.AllocateArray<byte>(capacity * NameSize, pinned: true);
        _receiveHeaders = GC.AllocateArray<MessageHeader>(capacity, pinned: true);
        _receiveVectors = GC.AllocateArray<IoVec>(capacity, pinned: true);
        _sendData = GC.AllocateUninitializedArray<byte>(capacity * slotSize, pinned: true);
        _sendNames = GC.AllocateArray<byte>(capacity * NameSize, pinned: true);
        _sendHeaders = GC.AllocateArray<MessageHeader>(capacity, pinned: true);
        _sendVectors = GC.AllocateArray<IoVec>(capacity, pinned: true);
        for (int i = 0; i < capacity; i++)
        {
            _receiveVectors[i] = new IoVec { Base = Marshal.UnsafeAddrOfPinnedArrayElement(_receiveData, i * slotSize), Length = (nuint)slotSize };
            _sendVectors[i] = new IoVec { Base = Marshal.UnsafeAddrOfPinnedArrayElement(_sendData, i * slotSize) };
            _sendHeaders[i] = new MessageHeader
            {
                Name = Marshal.UnsafeAddrOfPinnedArrayElement(_sendNames, i * NameSize),
                Vectors = Marshal.UnsafeAddrOfPinnedArrayElement(_sendVectors, i),
                VectorCount = 1,
            };
        }
    }

    /// <summary>Whether this platform has recvmmsg and sendmmsg with the layout declared here (64-bit Linux).</summary>
    public static bool IsSupported => OperatingSystem.IsLinux() && Environment.Is64BitProcess;

    public int Capacity { get; }

    /// <summary>Replies waiting for <see cref="Flush"/>.</summary>
    public int Pending => _pending;

    /// <summary>
    /// Blocks until at least one datagram arrives (or the socket's receive timeout passes), then takes
    /// as many more as are already queued, up to <see cref="Capacity"/>. Returns how many, or -1 with
    /// the errno in <paramref name="error"/>.
    /// </summary>
    public int Receive(Socket socket, out int error)
    {
        for (int i = 0; i < Capacity; i++)
        {
            // The kernel overwrites the lengths and flags: reset them for every call.
            _receiveHeaders[i] = new MessageHeader
            {
                Name = Marshal.UnsafeAddrOfPinnedArrayElement(_receiveNames, i * NameSize),
                NameLength = NameSize,
                Vectors = Marshal.UnsafeAddrOfPinnedArrayElement(_receiveVectors, i),
                VectorCount = 1,
            };
        }

        var handle = socket.SafeHandle;
        bool added = false;
        try
        {
            // Held across the call, so the descriptor cannot be closed and reused under it; closing the
            // socket meanwhile shuts it down, which wakes the call.
            handle.DangerousAddRef(ref added);
            int received = Native.RecvMmsg(handle.DangerousGetHandle(), Marshal.UnsafeAddrOfPinnedArrayElement(_receiveHeaders, 0), (uint)Capacity, WaitForOne, 0);
            error = received < 0 ? Marshal.GetLastPInvokeError() : 0;
            return received;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>The <paramref name="index"/>th datagram of the last receive; longer than a slot when the OS cut it.</summary>
    public ReadOnlySpan<byte> Datagram(int index, out bool truncated)
    {
        ref readonly var header = ref _receiveHeaders[index];
        truncated = (header.Flags & MessageTruncated) != 0;
        return _receiveData.AsSpan(index * _slotSize, (int)Math.Min(header.Length, (uint)_slotSize));
    }

    /// <summary>
    /// Copies the sender of the <paramref name="index"/>th datagram into <paramref name="address"/>;
    /// false when there is none of the socket's family (a socket shut down while receiving reports
    /// an empty datagram with no address).
    /// </summary>
    public bool TryCopySource(int index, SocketAddress address)
    {
        uint length = _receiveHeaders[index].NameLength;
        int size = address.Buffer.Length; // the family's full size, the size the kernel reports for it
        if (length < size)
        {
            return false;
        }

        _receiveNames.AsSpan(index * NameSize, size).CopyTo(address.Buffer.Span);
        address.Size = size;
        return true;
    }

    /// <summary>
    /// Queues a datagram for <see cref="Flush"/>; false when it does not fit a slot or the address
    /// is too long (the caller then sends it on its own, after flushing, to keep the order).
    /// </summary>
    public bool TryQueue(ReadOnlySpan<byte> datagram, SocketAddress destination)
    {
        if (_pending == Capacity || datagram.Length > _slotSize || destination.Size > NameSize)
        {
            return false;
        }

        int slot = _pending++;
        datagram.CopyTo(_sendData.AsSpan(slot * _slotSize));
        _sendVectors[slot].Length = (nuint)datagram.Length;
        destination.Buffer.Span[..destination.Size].CopyTo(_sendNames.AsSpan(slot * NameSize));
        _sendHeaders[slot].NameLength = (uint)destination.Size;
        return true;
    }

    /// <summary>Length of the <paramref name="index"/>th queued datagram.</summary>
    public int QueuedLength(int index) => (int)_sendVectors[index].Length;

    /// <summary>
    /// Sends every queued datagram, in order, with as few sendmmsg calls as the kernel allows; stops
    /// at the first that fails. Returns how many were sent (the rest are dropped, as lost packets
    /// are) and the errno of the failure, if any, in <paramref name="error"/>.
    /// </summary>
    public int Flush(Socket socket, out int error)
    {
        error = 0;
        int sent = 0;
        var handle = socket.SafeHandle;
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            nint fd = handle.DangerousGetHandle();
            while (sent < _pending)
            {
                int result = Native.SendMmsg(fd, Marshal.UnsafeAddrOfPinnedArrayElement(_sendHeaders, sent), (uint)(_pending - sent), 0);
                if (result > 0)
                {
                    sent += result;
                    continue;
                }

                error = result < 0 ? Marshal.GetLastPInvokeError() : 0;
                if (error != ErrorInterrupted)
                {
                    break;
                }
            }
        }
        catch (ObjectDisposedException)
        {
            // Closed meanwhile: what was not sent is lost, as on a closed socket.
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }

        return sent;
    }

    /// <summary>Forgets the queued datagrams (after <see cref="Flush"/> has counted them).</summary>
    public void Clear() => _pending = 0;

    [StructLayout(LayoutKind.Explicit, Size = HeaderSize)]
    private struct MessageHeader
    {
        [FieldOffset(0)]
        public nint Name;

        [FieldOffset(8)]
        public uint NameLength;

        [FieldOffset(16)]
        public nint Vectors;

        [FieldOffset(24)]
        public nuint VectorCount;

        [FieldOffset(32)]
        public nint Control;

        [FieldOffset(40)]
        public nuint ControlLength;

        [FieldOffset(48)]
        public int Flags;

        [FieldOffset(56)]
        public uint Length;
    }

    [StructLayout(LayoutKind.Sequential, Size = IoVecSize)]
    private struct IoVec
    {
        public nint Base;
        public nuint Length;
    }

    private static class Native
    {
        // Plain blittable signatures (addresses of pinned arrays), so no unsafe code and no marshalling.
        [DllImport("libc", EntryPoint = "recvmmsg", SetLastError = true)]
        public static extern int RecvMmsg(nint socket, nint messages, uint count, int flags, nint timeout);

        [DllImport("libc", EntryPoint = "sendmmsg", SetLastError = true)]
        public static extern int SendMmsg(nint socket, nint messages, uint count, int flags);
    }
}
