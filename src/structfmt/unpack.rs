//! `struct.unpack`: bytes to values, exactly as CPython 3.11 reads them.

use super::half::unpack_half;
use super::{StructError, StructFormat, Value};

impl StructFormat {
    /// `struct.unpack(fmt, buffer)`: the buffer must be exactly `size()` bytes.
    pub fn unpack(&self, bytes: &[u8]) -> Result<Vec<Value>, StructError> {
        if bytes.len() != self.size {
            return Err(StructError::new(format!(
                "unpack requires a buffer of {} bytes",
                self.size
            )));
        }
        let big = self.order.is_big_endian();
        let mut values = Vec::with_capacity(self.values.min(bytes.len() + 1));
        for field in &self.fields {
            let at = field.offset;
            match field.code {
                'x' => {}
                's' => values.push(Value::Bytes(bytes[at..at + field.count].to_vec())),
                'p' => {
                    if field.count == 0 {
                        // CPython asks for a string of length -1 here.
                        return Err(StructError::new(
                            "Negative size passed to PyBytes_FromStringAndSize",
                        ));
                    }
                    let n = usize::from(bytes[at]).min(field.count - 1);
                    values.push(Value::Bytes(bytes[at + 1..at + 1 + n].to_vec()));
                }
                code => {
                    let size = field.item_size;
                    for k in 0..field.count {
                        let item = &bytes[at + k * size..at + (k + 1) * size];
                        values.push(read_item(code, item, big));
                    }
                }
            }
        }
        Ok(values)
    }
}

fn read_item(code: char, item: &[u8], big: bool) -> Value {
    let raw = read_uint(item, big);
    let bits = 8 * item.len() as u32;
    match code {
        'c' => Value::Bytes(item.to_vec()),
        '?' => Value::Bool(raw != 0),
        'e' => Value::Float(unpack_half(raw as u16)),
        'f' => Value::Float(f64::from(f32::from_bits(raw as u32))),
        'd' => Value::Float(f64::from_bits(raw as u64)),
        'b' | 'h' | 'i' | 'l' | 'q' | 'n' => {
            // Sign-extend from the item's width.
            let shift = 128 - bits;
            Value::Int(((raw << shift) as i128) >> shift)
        }
        // Unsigned codes, and 'P' (CPython returns the pointer as an unsigned int).
        _ => Value::Int(raw as i128),
    }
}

fn read_uint(item: &[u8], big: bool) -> u128 {
    let fold = |acc: u128, b: &u8| (acc << 8) | u128::from(*b);
    if big {
        item.iter().fold(0, fold)
    } else {
        item.iter().rev().fold(0, fold)
    }
}
