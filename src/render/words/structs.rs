//! The words of `lab struct`: what a format means, the field map, and the byte-order lesson.
//! Python's own texts — reprs, formats, CPython's error messages — are not words to
//! translate: they appear as Python writes them, quoted in the Chinese sentences.

use super::Words;
use crate::lang::Lang;
use crate::structfmt::ByteOrder;

/// What the network-order alternative showed, for the note under a native format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderNote {
    /// pack: the same bytes either way (single bytes).
    SameBytes { format: String },
    /// unpack: the same values either way.
    SameValues { format: String },
    /// pack: network order gives these bytes (their repr) instead.
    OtherBytes { format: String, bytes: String },
    /// unpack: the bytes read in network order give these values (their repr) instead.
    OtherValues { format: String, values: String },
    /// The codes do not fit the same bytes in network order: CPython's refusal.
    Refused { format: String, error: String },
}

impl Words {
    /// The byte order, sizes and alignment a format's prefix chooses.
    pub fn byte_order(self, order: ByteOrder) -> String {
        let machine = self.machine_order();
        match (self.0, order) {
            (Lang::En, ByteOrder::Native) => {
                format!("native: this machine's byte order ({machine}), sizes and alignment")
            }
            (Lang::En, ByteOrder::NativeStandard) => {
                format!("this machine's byte order ({machine}), standard sizes, no alignment")
            }
            (Lang::En, ByteOrder::Little) => "little-endian, standard sizes, no alignment".into(),
            (Lang::En, ByteOrder::Big) => {
                "big-endian (network order), standard sizes, no alignment".into()
            }
            (Lang::Zh, ByteOrder::Native) => {
                format!("本机方式：这台机器的字节序（{machine}）、本机的大小和对齐")
            }
            (Lang::Zh, ByteOrder::NativeStandard) => {
                format!("这台机器的字节序（{machine}），标准大小，不对齐")
            }
            (Lang::Zh, ByteOrder::Little) => "小端序，标准大小，不对齐".into(),
            (Lang::Zh, ByteOrder::Big) => "大端序（网络字节序），标准大小，不对齐".into(),
        }
    }

    /// This machine's byte order.
    fn machine_order(self) -> &'static str {
        if cfg!(target_endian = "big") {
            self.pick("big-endian", "大端序")
        } else {
            self.pick("little-endian", "小端序")
        }
    }

    /// `8 bytes`: a format's size.
    pub fn struct_size(self, size: usize) -> String {
        match self.0 {
            Lang::En => format!("{size} bytes"),
            Lang::Zh => format!("{size} 字节"),
        }
    }

    /// The field map's columns: offset, size, code, value, bytes.
    pub fn field_columns(self) -> [&'static str; 5] {
        match self.0 {
            Lang::En => ["offset", "size", "code", "value", "bytes"],
            Lang::Zh => ["偏移", "大小", "代码", "值", "字节"],
        }
    }

    /// A field-map row of `x` codes.
    pub fn pad_bytes(self) -> &'static str {
        self.pick("pad bytes", "填充字节")
    }

    /// A field-map row of the bytes native alignment inserts before `code`.
    pub fn alignment_for(self, code: char) -> String {
        match self.0 {
            Lang::En => format!("alignment for '{code}'"),
            Lang::Zh => format!("为 '{code}' 对齐"),
        }
    }

    /// Under a field map cut short.
    pub fn more_rows(self, rows: usize) -> String {
        match self.0 {
            Lang::En => format!("… {rows} more rows (--json lists every field)"),
            Lang::Zh => format!("… 还有 {rows} 行（--json 列出每一个字段）"),
        }
    }

    /// The byte-order lesson under a native format; formats and reprs are Python's.
    pub fn order_note(self, note: &OrderNote) -> String {
        match (self.0, note) {
            (Lang::En, OrderNote::SameBytes { format }) => format!(
                "note: the byte order did not matter here (single bytes), but a header on the \
                 wire must not depend on the machine: write {format} and both ends agree."
            ),
            (Lang::En, OrderNote::SameValues { format }) => format!(
                "note: the byte order did not matter here, but a wire format must not depend \
                 on the machine: write {format}."
            ),
            (Lang::En, OrderNote::OtherBytes { format, bytes }) => format!(
                "note: a header on the wire must not depend on the machine. With network \
                 order, struct.pack({format}, …) gives {bytes} instead."
            ),
            (Lang::En, OrderNote::OtherValues { format, values }) => format!(
                "note: these bytes read in network order, struct.unpack({format}, …), give \
                 {values} instead: both ends must agree on the byte order."
            ),
            (Lang::En, OrderNote::Refused { format, error }) => format!(
                "note: a header on the wire must not depend on the machine; written for the \
                 wire as {format} these codes do not fit the same bytes ({error}): native sizes \
                 and alignment differ from the standard ones, so write wire formats with '!' \
                 from the start."
            ),
            (Lang::Zh, OrderNote::SameBytes { format }) => format!(
                "注意：这里字节序没有影响（都是单个字节），但网络上的报头不能随机器而变：写成 \
                 {format}，两端就一致了。"
            ),
            (Lang::Zh, OrderNote::SameValues { format }) => {
                format!("注意：这里字节序没有影响，但网络上的格式不能随机器而变：写成 {format}。")
            }
            (Lang::Zh, OrderNote::OtherBytes { format, bytes }) => format!(
                "注意：网络上的报头不能随机器而变。换成网络字节序，struct.pack({format}, …) \
                 得到的是 {bytes}。"
            ),
            (Lang::Zh, OrderNote::OtherValues { format, values }) => format!(
                "注意：同样的字节按网络字节序读，struct.unpack({format}, …) 得到的是 {values}：\
                 两端必须约定同一种字节序。"
            ),
            (Lang::Zh, OrderNote::Refused { format, error }) => format!(
                "注意：网络上的报头不能随机器而变；这些代码写成网络格式 {format} 就对不上同样的\
                 字节了（CPython：\"{error}\"）：本机的大小和对齐与标准的不同，所以网络格式从一\
                 开始就要用 '!' 来写。"
            ),
        }
    }
}
