//! RFC 8785 (JSON Canonicalization Scheme) output for Rollcall's events.
//!
//! A serde [`Serializer`](serde::Serializer) that writes straight into a
//! byte buffer: no whitespace, strings with only the escapes RFC 8785
//! §3.2.2.2 allows, numbers in the ECMAScript form (`ryu-js`, §3.2.2.3),
//! and object members sorted by their names in UTF-16 code units (§3.2.3).
//! Each member is written where it stands; when an object closes and its
//! members are not already in order, only that object's bytes are put in
//! order, through one scratch buffer the writer keeps. Names that are all
//! ASCII (all of Rollcall's) compare as bytes; any other pair compares by
//! UTF-16 code units. A [`Writer`] keeps its buffers between values, so a
//! caller encoding many events allocates nothing per event once warm.
//!
//! Speed, measured with `cargo run --release -p rollcall-sim --example
//! encode_speed -- 1 15` (the reference operation's 35,090 events at scale 1,
//! 437 bytes each on average; best of 15 rounds, on a 2-core machine shared
//! with other builds, load average 7-8, so every figure here is low and
//! noisy): 197,000-230,000 encodes/s, against 118,000-137,000/s for the
//! previous writer (which built a `serde_json::Value` tree first and then
//! wrote it sorted) in alternating runs, and 266,000-328,000/s for plain
//! `serde_json::to_vec` (members unsorted, so not canonical). `Event::decode`
//! (parse, then re-encode and compare) went from 59,000-70,000/s to
//! 113,000-121,000/s. The tests check that the output is byte-identical to
//! that of the `serde_json_canonicalizer` crate and of the previous writer,
//! for the golden vectors and for generated events.

use serde::Serialize;
use serde::ser::{self, Error as _, Impossible};

/// The error every encoding failure is reported as.
pub type Error = serde_json::Error;

/// The RFC 8785 bytes of `value`. Fails on a value JSON cannot carry (a map
/// key that is not text, a number beyond 64 bits, a member named twice). A
/// non-finite float is written as `null`, as serde_json's `Value` holds it,
/// so callers check floats first.
pub fn to_vec<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, Error> {
    let mut w = Writer::default();
    w.write(value)?;
    Ok(w.out)
}

/// A canonical writer that keeps its buffers between values.
#[derive(Debug, Default)]
pub struct Writer {
    out: Vec<u8>,
    /// Members of every object still open, innermost last.
    members: Vec<Member>,
    /// Their names, unescaped, back to back.
    names: String,
    /// Where an object's members are copied while they are put in order.
    scratch: Vec<u8>,
}

/// One member of an open object: its name in `Writer::names` and its bytes
/// (`"name":value`) in `Writer::out`.
#[derive(Debug, Clone, Copy)]
struct Member {
    name: (usize, usize),
    bytes: (usize, usize),
}

impl Writer {
    /// Replaces the buffer's contents with the RFC 8785 bytes of `value`,
    /// and returns them. On error the contents are unspecified.
    pub fn write<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<&[u8], Error> {
        self.out.clear();
        self.members.clear();
        self.names.clear();
        value.serialize(&mut *self)?;
        Ok(&self.out)
    }

    /// The bytes last written.
    pub fn bytes(&self) -> &[u8] {
        &self.out
    }

    fn open_object(&mut self) -> Object {
        self.out.push(b'{');
        Object {
            members: self.members.len(),
            names: self.names.len(),
            body: self.out.len(),
        }
    }

    /// Starts a member: the comma before it, its name.
    fn begin_member(&mut self, o: &Object, name: &str) {
        if self.members.len() > o.members {
            self.out.push(b',');
        }
        let start = self.out.len();
        let n0 = self.names.len();
        self.names.push_str(name);
        write_string(&mut self.out, name);
        self.out.push(b':');
        self.members.push(Member {
            name: (n0, self.names.len()),
            bytes: (start, start),
        });
    }

    /// Ends the member begun last: its value is written.
    fn end_member(&mut self) {
        let end = self.out.len();
        if let Some(m) = self.members.last_mut() {
            m.bytes.1 = end;
        }
    }

    /// Puts the object's members in order and closes it.
    fn close_object(&mut self, o: Object) -> Result<(), Error> {
        let names = &self.names;
        let members = &mut self.members[o.members..];
        let name = |m: &Member| &names[m.name.0..m.name.1];
        let mut sorted = true;
        for pair in members.windows(2) {
            match utf16_cmp(name(&pair[0]), name(&pair[1])) {
                std::cmp::Ordering::Less => {}
                std::cmp::Ordering::Equal => return Err(duplicate(name(&pair[0]))),
                std::cmp::Ordering::Greater => sorted = false,
            }
        }
        if !sorted {
            members.sort_unstable_by(|a, b| utf16_cmp(name(a), name(b)));
            if let Some(pair) = members.windows(2).find(|p| name(&p[0]) == name(&p[1])) {
                return Err(duplicate(name(&pair[0])));
            }
            self.scratch.clear();
            self.scratch.extend_from_slice(&self.out[o.body..]);
            self.out.truncate(o.body);
            for (i, m) in members.iter().enumerate() {
                if i > 0 {
                    self.out.push(b',');
                }
                self.out
                    .extend_from_slice(&self.scratch[m.bytes.0 - o.body..m.bytes.1 - o.body]);
            }
        }
        self.members.truncate(o.members);
        self.names.truncate(o.names);
        self.out.push(b'}');
        Ok(())
    }

    fn number(&mut self, x: f64) {
        write_number(&mut self.out, x);
    }
}

fn duplicate(name: &str) -> Error {
    Error::custom(format_args!("member \"{name}\" occurs twice in one object"))
}

/// RFC 8785 §3.2.3: member names compare as UTF-16 code units. ASCII names
/// compare the same by bytes.
fn utf16_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    if a.is_ascii() && b.is_ascii() {
        a.as_bytes().cmp(b.as_bytes())
    } else {
        a.encode_utf16().cmp(b.encode_utf16())
    }
}

/// Where an open object starts.
#[derive(Debug, Clone, Copy)]
struct Object {
    members: usize,
    names: usize,
    body: usize,
}

/// Every JSON number as an IEEE 754 double in ECMAScript form; a value that
/// is not finite as `null`.
fn write_number(out: &mut Vec<u8>, x: f64) {
    if x.is_finite() {
        let mut buf = ryu_js::Buffer::new();
        out.extend_from_slice(buf.format_finite(x).as_bytes());
    } else {
        out.extend_from_slice(b"null");
    }
}

/// RFC 8785 §3.2.2.2: `"` and `\` escaped, the control characters below
/// U+0020 as `\b \t \n \f \r` or `\u00xx` (lower-case hex), everything
/// else as itself.
fn write_string(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: Option<&[u8]> = match b {
            b'"' => Some(b"\\\""),
            b'\\' => Some(b"\\\\"),
            0x08 => Some(b"\\b"),
            0x09 => Some(b"\\t"),
            0x0a => Some(b"\\n"),
            0x0c => Some(b"\\f"),
            0x0d => Some(b"\\r"),
            0x00..=0x1f => None,
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        match esc {
            Some(e) => out.extend_from_slice(e),
            None => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.push(HEX[(b >> 4) as usize]);
                out.push(HEX[(b & 0xf) as usize]);
            }
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// An integer as the double JSON numbers are (what serde_json's `Value`
/// holds for integers beyond 64 bits is an error, and so is it here).
fn wide_integer(value: i128) -> Result<f64, Error> {
    if let Ok(u) = u64::try_from(value) {
        Ok(u as f64)
    } else if let Ok(i) = i64::try_from(value) {
        Ok(i as f64)
    } else {
        Err(Error::custom("number out of range"))
    }
}

impl<'a> ser::Serializer for &'a mut Writer {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Array<'a>;
    type SerializeTuple = Array<'a>;
    type SerializeTupleStruct = Array<'a>;
    type SerializeTupleVariant = Array<'a>;
    type SerializeMap = Map<'a>;
    type SerializeStruct = Map<'a>;
    type SerializeStructVariant = Map<'a>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.out
            .extend_from_slice(if v { b"true" } else { b"false" });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        self.serialize_i64(v.into())
    }
    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        self.serialize_i64(v.into())
    }
    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        self.serialize_i64(v.into())
    }
    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        self.number(v as f64);
        Ok(())
    }
    fn serialize_i128(self, v: i128) -> Result<(), Error> {
        let x = wide_integer(v)?;
        self.number(x);
        Ok(())
    }
    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        self.serialize_u64(v.into())
    }
    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        self.serialize_u64(v.into())
    }
    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        self.serialize_u64(v.into())
    }
    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        self.number(v as f64);
        Ok(())
    }
    fn serialize_u128(self, v: u128) -> Result<(), Error> {
        let v = i128::try_from(v).map_err(|_| Error::custom("number out of range"))?;
        self.serialize_i128(v)
    }
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        self.number(f64::from(v));
        Ok(())
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        self.number(v);
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        write_string(&mut self.out, v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        write_string(&mut self.out, v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        // As serde_json writes bytes: an array of numbers.
        self.out.push(b'[');
        for (i, b) in v.iter().enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            self.number(f64::from(*b));
        }
        self.out.push(b']');
        Ok(())
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.out.push(b'{');
        write_string(&mut self.out, variant);
        self.out.push(b':');
        value.serialize(&mut *self)?;
        self.out.push(b'}');
        Ok(())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Array<'a>, Error> {
        self.out.push(b'[');
        Ok(Array {
            w: self,
            first: true,
            variant: false,
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<Array<'a>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<Array<'a>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Array<'a>, Error> {
        self.out.push(b'{');
        write_string(&mut self.out, variant);
        self.out.extend_from_slice(b":[");
        Ok(Array {
            w: self,
            first: true,
            variant: true,
        })
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Map<'a>, Error> {
        let object = self.open_object();
        Ok(Map {
            w: self,
            object,
            variant: false,
        })
    }
    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<Map<'a>, Error> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Map<'a>, Error> {
        self.out.push(b'{');
        write_string(&mut self.out, variant);
        self.out.push(b':');
        let object = self.open_object();
        Ok(Map {
            w: self,
            object,
            variant: true,
        })
    }
}

/// An array being written (a sequence, a tuple, a tuple variant's body).
pub struct Array<'a> {
    w: &'a mut Writer,
    first: bool,
    /// Inside `{"variant":[…]}`.
    variant: bool,
}

impl Array<'_> {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        if !self.first {
            self.w.out.push(b',');
        }
        self.first = false;
        value.serialize(&mut *self.w)
    }

    fn close(self) -> Result<(), Error> {
        self.w.out.push(b']');
        if self.variant {
            self.w.out.push(b'}');
        }
        Ok(())
    }
}

impl ser::SerializeSeq for Array<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

impl ser::SerializeTuple for Array<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

impl ser::SerializeTupleStruct for Array<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

impl ser::SerializeTupleVariant for Array<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

/// An object being written (a map, a struct, a struct variant's body).
pub struct Map<'a> {
    w: &'a mut Writer,
    object: Object,
    /// Inside `{"variant":{…}}`.
    variant: bool,
}

impl Map<'_> {
    fn close(self) -> Result<(), Error> {
        self.w.close_object(self.object)?;
        if self.variant {
            self.w.out.push(b'}');
        }
        Ok(())
    }

    fn field<T: Serialize + ?Sized>(&mut self, name: &str, value: &T) -> Result<(), Error> {
        self.w.begin_member(&self.object, name);
        value.serialize(&mut *self.w)?;
        self.w.end_member();
        Ok(())
    }
}

impl ser::SerializeMap for Map<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        let name = key.serialize(KeyText)?;
        self.w.begin_member(&self.object, &name);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        value.serialize(&mut *self.w)?;
        self.w.end_member();
        Ok(())
    }
    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

impl ser::SerializeStruct for Map<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.field(key, value)
    }
    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

impl ser::SerializeStructVariant for Map<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.field(key, value)
    }
    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

/// A map key as the text of its member name: strings, characters, unit
/// variants and integers (as their decimal digits), as serde_json takes them.
struct KeyText;

fn not_text() -> Error {
    Error::custom("key must be a string")
}

impl ser::Serializer for KeyText {
    type Ok = String;
    type Error = Error;
    type SerializeSeq = Impossible<String, Error>;
    type SerializeTuple = Impossible<String, Error>;
    type SerializeTupleStruct = Impossible<String, Error>;
    type SerializeTupleVariant = Impossible<String, Error>;
    type SerializeMap = Impossible<String, Error>;
    type SerializeStruct = Impossible<String, Error>;
    type SerializeStructVariant = Impossible<String, Error>;

    fn serialize_bool(self, v: bool) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_i8(self, v: i8) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_i16(self, v: i16) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_i32(self, v: i32) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_i64(self, v: i64) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_i128(self, v: i128) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_u8(self, v: u8) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_u16(self, v: u16) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_u32(self, v: u32) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_u64(self, v: u64) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_u128(self, v: u128) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_f32(self, _v: f32) -> Result<String, Error> {
        Err(not_text())
    }
    fn serialize_f64(self, _v: f64) -> Result<String, Error> {
        Err(not_text())
    }
    fn serialize_char(self, v: char) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_str(self, v: &str) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result<String, Error> {
        Err(not_text())
    }
    fn serialize_none(self) -> Result<String, Error> {
        Err(not_text())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _value: &T) -> Result<String, Error> {
        Err(not_text())
    }
    fn serialize_unit(self) -> Result<String, Error> {
        Err(not_text())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<String, Error> {
        Err(not_text())
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<String, Error> {
        Ok(variant.to_string())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<String, Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<String, Error> {
        Err(not_text())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Err(not_text())
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, Error> {
        Err(not_text())
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, Error> {
        Err(not_text())
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(not_text())
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Err(not_text())
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, Error> {
        Err(not_text())
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(not_text())
    }
}

/// The previous writer, kept as a second reference: it builds the
/// `serde_json::Value` tree, then writes it sorted.
#[cfg(test)]
mod value_tree {
    use serde::Serialize;
    use serde_json::Value;

    /// The RFC 8785 bytes of `value`, by way of a `Value` tree.
    pub fn to_vec<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, serde_json::Error> {
        let v = serde_json::to_value(value)?;
        let mut out = Vec::with_capacity(512);
        write(&mut out, &v);
        Ok(out)
    }

    fn write(out: &mut Vec<u8>, v: &Value) {
        match v {
            Value::Null => out.extend_from_slice(b"null"),
            Value::Bool(true) => out.extend_from_slice(b"true"),
            Value::Bool(false) => out.extend_from_slice(b"false"),
            Value::Number(n) => {
                let x = if let Some(u) = n.as_u64() {
                    u as f64
                } else if let Some(i) = n.as_i64() {
                    i as f64
                } else {
                    n.as_f64().unwrap_or(f64::NAN)
                };
                super::write_number(out, x)
            }
            Value::String(s) => super::write_string(out, s),
            Value::Array(items) => {
                out.push(b'[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    write(out, item);
                }
                out.push(b']');
            }
            Value::Object(map) => {
                let mut members: Vec<(&String, &Value)> = map.iter().collect();
                members.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
                out.push(b'{');
                for (i, (k, item)) in members.into_iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    super::write_string(out, k);
                    out.push(b':');
                    write(out, item);
                }
                out.push(b'}');
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn agree(v: &Value) {
        let ours = to_vec(v).unwrap();
        let theirs = serde_json_canonicalizer::to_vec(v).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&ours),
            String::from_utf8_lossy(&theirs)
        );
        assert_eq!(ours, value_tree::to_vec(v).unwrap());
    }

    #[test]
    fn agrees_with_the_reference_implementation() {
        let cases = [
            json!({"b": 1, "a": [true, false, null], "é": "x", "\u{20ac}": 2, "\u{1f600}": 3}),
            json!({"n": [0, -0.0, 1.0, 36.123456789, -0.1, 1e21, 1e-7, 1e16, 123456789012345u64, -5]}),
            json!({"s": "quote \" back \\ nl \n tab \t nul \u{0} esc \u{1b} del \u{7f} arabic أحمد bidi \u{202e} ls \u{2028}"}),
            json!({"z": {"y": {"b": [{"d": 1, "c": 2}], "a": {}}, "x": []}, "\u{ff61}": 1, "\u{10000}": 2}),
            json!([]),
            json!({}),
        ];
        for v in &cases {
            agree(v);
        }
    }

    #[derive(Serialize)]
    #[serde(rename_all = "snake_case")]
    enum Shape {
        Unit,
        Newtype(u8),
        Tuple(u8, &'static str),
        Struct { zeta: u8, alpha: Vec<u8> },
    }

    #[derive(Serialize)]
    struct Holder {
        zz: Vec<Shape>,
        bytes: serde_bytes_like::Bytes,
        ch: char,
        unit: (),
        big: i128,
        map: std::collections::HashMap<u32, bool>,
        f: f32,
    }

    mod serde_bytes_like {
        pub struct Bytes(pub Vec<u8>);
        impl serde::Serialize for Bytes {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_bytes(&self.0)
            }
        }
    }

    #[test]
    fn every_serde_shape_matches_the_value_tree() {
        let h = Holder {
            zz: vec![
                Shape::Unit,
                Shape::Newtype(3),
                Shape::Tuple(1, "x"),
                Shape::Struct {
                    zeta: 1,
                    alpha: vec![2],
                },
            ],
            bytes: serde_bytes_like::Bytes(vec![0, 255]),
            ch: '"',
            unit: (),
            big: -5,
            map: [(10, true), (9, false), (100, true)].into_iter().collect(),
            f: 0.1,
        };
        assert_eq!(to_vec(&h).unwrap(), value_tree::to_vec(&h).unwrap());
        assert_eq!(
            to_vec(&h).unwrap(),
            serde_json_canonicalizer::to_vec(&serde_json::to_value(&h).unwrap()).unwrap()
        );
    }

    #[test]
    fn a_member_named_twice_is_refused() {
        struct Twice;
        impl Serialize for Twice {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeMap;
                let mut m = s.serialize_map(None)?;
                m.serialize_entry("b", &1)?;
                m.serialize_entry("a", &2)?;
                m.serialize_entry("b", &3)?;
                m.end()
            }
        }
        let err = to_vec(&Twice).unwrap_err();
        assert!(err.to_string().contains("\"b\" occurs twice"), "{err}");
    }

    #[test]
    fn a_writer_reused_gives_the_same_bytes() {
        let a = json!({"b": [1, {"y": 2, "x": 3}], "a": "t"});
        let b = json!({"q": null});
        let mut w = Writer::default();
        assert_eq!(w.write(&a).unwrap(), &to_vec(&a).unwrap()[..]);
        assert_eq!(w.write(&b).unwrap(), &to_vec(&b).unwrap()[..]);
        assert_eq!(w.write(&a).unwrap(), &to_vec(&a).unwrap()[..]);
    }

    proptest::proptest! {
        #[test]
        fn agrees_on_any_text_and_number(
            keys in proptest::collection::vec(".{0,6}", 0..5),
            text in "\\PC{0,20}|[\\x00-\\x1f\"\\\\]{0,8}",
            x in proptest::num::f64::NORMAL | proptest::num::f64::SUBNORMAL | proptest::num::f64::ZERO,
            n in 0u64..(1 << 53),
        ) {
            let mut map = serde_json::Map::new();
            for (i, k) in keys.into_iter().enumerate() {
                map.insert(k, json!([i, text.clone(), x, n, {"k": text.clone(), "a": [x]}]));
            }
            let v = Value::Object(map);
            let ours = to_vec(&v).unwrap();
            let theirs = serde_json_canonicalizer::to_vec(&v).unwrap();
            proptest::prop_assert_eq!(&ours, &theirs);
            proptest::prop_assert_eq!(ours, value_tree::to_vec(&v).unwrap());
        }
    }
}
