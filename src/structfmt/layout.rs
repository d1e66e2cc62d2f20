//! The field map of a parsed format: which bytes hold which value, pad byte or alignment gap.

use super::StructFormat;

/// What a run of packed bytes is, for a field map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    /// The bytes of value number `n` (from 0) given to pack or returned by unpack.
    Value(usize),
    /// `x` pad bytes asked for in the format.
    PadBytes,
    /// Padding the native alignment inserted before the next field.
    Alignment,
}

/// One row of a field map: a code, where its bytes are, and what they hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LayoutItem {
    pub code: char,
    pub offset: usize,
    pub size: usize,
    pub kind: ItemKind,
}

impl StructFormat {
    /// Every value, pad run and alignment gap in byte order (repeat counts expanded),
    /// produced lazily: a format like `1000000000i` costs nothing until rows are taken.
    pub fn layout(&self) -> impl Iterator<Item = LayoutItem> + '_ {
        let mut first_value = 0;
        self.fields.iter().flat_map(move |field| {
            let alignment = (field.padding_before > 0).then(|| LayoutItem {
                code: field.code,
                offset: field.offset - field.padding_before,
                size: field.padding_before,
                kind: ItemKind::Alignment,
            });
            let base = first_value;
            first_value += field.values();
            let items: Box<dyn Iterator<Item = LayoutItem>> = match field.code {
                'x' => Box::new(
                    (field.count > 0)
                        .then_some(LayoutItem {
                            code: 'x',
                            offset: field.offset,
                            size: field.count,
                            kind: ItemKind::PadBytes,
                        })
                        .into_iter(),
                ),
                's' | 'p' => Box::new(std::iter::once(LayoutItem {
                    code: field.code,
                    offset: field.offset,
                    size: field.count,
                    kind: ItemKind::Value(base),
                })),
                code => Box::new((0..field.count).map(move |k| LayoutItem {
                    code,
                    offset: field.offset + k * field.item_size,
                    size: field.item_size,
                    kind: ItemKind::Value(base + k),
                })),
            };
            alignment.into_iter().chain(items)
        })
    }

    /// The same codes under another byte-order prefix, e.g. `!` for the wire.
    pub fn with_order(&self, prefix: char) -> String {
        let body = self
            .text
            .strip_prefix(['@', '=', '<', '>', '!'])
            .unwrap_or(&self.text);
        format!("{prefix}{body}")
    }
}
