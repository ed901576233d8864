//! The manifest as PDF: A4 landscape, multi-page, uncompressed content
//! streams (so the text can be searched and diffed), standard fonts only.
//!
//! Layout, top to bottom:
//!
//! * page 1: title `MOVEMENT MANIFEST <id>`, a header block (mode, origin and
//!   destination, planned departure, status, vehicles, escort team);
//!   later pages: a one-line running header;
//! * the people table, its header row repeated on every page, with two empty
//!   tick boxes per person ("✓ boarded", "✓ admitted") for pen;
//! * after the last row: the counts box (printed counts, or blank lines to
//!   write them by hand) and three signature blocks (origin facility officer,
//!   escort commander, destination facility officer);
//! * on every page: a footer with the signed ledger tree head the document was
//!   printed against, who printed it and when, the movement id and
//!   "page X of Y".
//!
//! Text goes through [`crate::text`]: fields that WinAnsi cannot encode (e.g.
//! Arabic script) are replaced by the Latin name when there is one, else by
//! [`PLACEHOLDER`]; string delimiters are escaped by `pdf-writer`.

use pdf_writer::{Content, Name, Pdf, Rect, Ref, Str, TextStr};

use crate::doc::{ManifestDoc, PersonLine, Place};
use crate::text::{self, DINGBAT_ARROW, DINGBAT_CHECK, Font};

/// Printed instead of a field that cannot be shown in the PDF's fonts (e.g. a
/// name recorded only in Arabic script).
pub const PLACEHOLDER: &str = "[see original-script record]";
/// The same, for columns too narrow for [`PLACEHOLDER`].
const SHORT_PLACEHOLDER: &[u8] = b"[orig. script]";

// Geometry, in points. A4 landscape.
const PAGE_W: f32 = 841.89;
const PAGE_H: f32 = 595.28;
const LEFT: f32 = 36.0;
const RIGHT: f32 = PAGE_W - 36.0;
const WIDTH: f32 = RIGHT - LEFT;
const TOP: f32 = PAGE_H - 34.0;
const FOOTER_RULE: f32 = 50.0;
/// Nothing but the footer goes below this line.
const BOTTOM: f32 = FOOTER_RULE + 8.0;

const TABLE_SIZE: f32 = 8.5;
const HEAD_ROW_H: f32 = 19.0;
const ROW_H: f32 = 15.0;
/// Extra height of a row for each wrapped line.
const LINE_H: f32 = 9.5;
/// Table cells wrap onto at most this many lines.
const MAX_CELL_LINES: usize = 2;
const PAD: f32 = 4.0;

const COUNTS_H: f32 = 54.0;
const SIG_H: f32 = 102.0;
const CLOSING_GAP: f32 = 14.0;
const CLOSING_H: f32 = CLOSING_GAP + COUNTS_H + 12.0 + SIG_H;

const GRID: f32 = 0.72;
const HEADER_FILL: f32 = 0.87;
const ZEBRA_FILL: f32 = 0.955;
const LABEL_GRAY: f32 = 0.35;

/// How a table cell is drawn.
#[derive(Clone, Copy, PartialEq)]
enum Cell {
    Left,
    Right,
    /// Bold for the name column, regular otherwise; wraps onto a second line.
    Wrap,
    Tick,
}

/// The people table: (header, width, cell style). The "needs" column takes the
/// width left over.
const COLUMNS: [(&str, f32, Cell); 13] = [
    ("No.", 24.0, Cell::Right),
    ("Person", 54.0, Cell::Left),
    ("Name (Latin)", 136.0, Cell::Wrap),
    ("Father", 72.0, Cell::Left),
    ("Birth", 40.0, Cell::Left),
    ("Sex", 26.0, Cell::Left),
    ("Nat.", 46.0, Cell::Left),
    ("Risk", 44.0, Cell::Left),
    ("Vehicle", 50.0, Cell::Left),
    ("Escort record", 58.0, Cell::Left),
    ("Needs", 0.0, Cell::Wrap),
    ("boarded", 51.0, Cell::Tick),
    ("admitted", 51.0, Cell::Tick),
];
const NEEDS_COL: usize = 10;

fn column_widths() -> [f32; 13] {
    let mut w = COLUMNS.map(|c| c.1);
    w[NEEDS_COL] = WIDTH - w.iter().sum::<f32>();
    w
}

/// Render the manifest as a PDF document.
pub fn manifest_pdf(doc: &ManifestDoc) -> Vec<u8> {
    let pages = layout(doc);

    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let fonts = [
        (Font::Regular, Ref::new(3)),
        (Font::Bold, Ref::new(4)),
        (Font::Dingbats, Ref::new(5)),
    ];
    let info = Ref::new(6);
    let page_refs: Vec<(Ref, Ref)> = (0..pages.len() as i32)
        .map(|i| (Ref::new(7 + 2 * i), Ref::new(8 + 2 * i)))
        .collect();

    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(page_refs.iter().map(|p| p.0))
        .count(pages.len() as i32);
    {
        let title = format!("Movement manifest {}", doc.movement);
        let mut di = pdf.document_info(info);
        di.title(TextStr(&title));
        di.creator(TextStr("rollcall-print"));
    }
    for (canvas, &(page_id, content_id)) in pages.into_iter().zip(&page_refs) {
        {
            let mut page = pdf.page(page_id);
            page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H));
            page.parent(tree);
            page.contents(content_id);
            let mut resources = page.resources();
            let mut dict = resources.fonts();
            for (font, id) in fonts {
                dict.pair(Name(font.name()), id);
            }
        }
        pdf.stream(content_id, &canvas.0.finish());
    }
    for (font, id) in fonts {
        let mut f = pdf.type1_font(id);
        match font {
            Font::Regular | Font::Bold => {
                let (base, widths) = if font == Font::Regular {
                    (&b"Helvetica"[..], &text::HELVETICA_WIDTHS)
                } else {
                    (&b"Helvetica-Bold"[..], &text::HELVETICA_BOLD_WIDTHS)
                };
                f.base_font(Name(base));
                f.encoding_predefined(Name(b"WinAnsiEncoding"));
                f.first_char(32);
                f.last_char(255);
                f.widths(widths.iter().map(|&w| f32::from(w)));
            }
            Font::Dingbats => {
                f.base_font(Name(b"ZapfDingbats"));
            }
        }
    }
    pdf.finish()
}

// ---------------------------------------------------------------------------
// Text values

/// Encode a field, or the placeholder if it has no WinAnsi form.
fn field(s: &str) -> Vec<u8> {
    text::encode(s).unwrap_or_else(|| PLACEHOLDER.as_bytes().to_vec())
}

/// The name to print: the Latin name, else the recorded name if it can be
/// printed, else the placeholder.
fn person_name(p: &PersonLine) -> Vec<u8> {
    let latin = p.name_latin.trim();
    let original = p.name_original.trim();
    for name in [latin, original] {
        if !name.is_empty()
            && let Some(b) = text::encode(name)
        {
            return b;
        }
    }
    if latin.is_empty() && original.is_empty() {
        Vec::new()
    } else {
        PLACEHOLDER.as_bytes().to_vec()
    }
}

/// Fit a field into a column, using the short placeholder where the long one
/// would have to be cut.
fn fit_field(bytes: &[u8], font: Font, size: f32, max: f32) -> Vec<u8> {
    if bytes == PLACEHOLDER.as_bytes() && font.width(bytes, size) > max {
        return text::fit(SHORT_PLACEHOLDER, font, size, max);
    }
    text::fit(bytes, font, size, max)
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

fn mode_label(mode: &str) -> Vec<u8> {
    match mode.trim().to_ascii_lowercase().as_str() {
        "land" => b"Land (convoy)".to_vec(),
        "air" => b"Air (flight)".to_vec(),
        _ => field(mode),
    }
}

fn head_line(doc: &ManifestDoc) -> Vec<u8> {
    let h = &doc.head;
    let prefix: String = h.root_hex.chars().take(16).collect();
    cat(&[
        b"Ledger ",
        &field(&h.origin),
        b" size ",
        h.size.to_string().as_bytes(),
        b" root ",
        &field(&prefix),
        &[text::ELLIPSIS],
        b" signed by ",
        &field(&h.signer),
        b" \x97 check: rollcall prove inclusion / verify",
    ])
}

// ---------------------------------------------------------------------------
// Drawing

/// One page's content stream, with the few drawing operations we need.
struct Canvas(Content);

impl Canvas {
    fn new() -> Self {
        Canvas(Content::new())
    }

    /// Show runs of text in one line, switching fonts as needed; returns the
    /// x after the last run.
    fn spans(&mut self, size: f32, x: f32, y: f32, runs: &[(Font, &[u8])]) -> f32 {
        let c = &mut self.0;
        c.begin_text();
        c.next_line(x, y);
        let mut end = x;
        for &(font, bytes) in runs {
            c.set_font(Name(font.name()), size);
            // Separate Tj per ASCII / non-ASCII run: pdf-writer writes a whole
            // string as hex once it holds one non-ASCII byte, and literal
            // strings keep the content stream searchable.
            for run in bytes.chunk_by(|a, b| a.is_ascii() == b.is_ascii()) {
                c.show(Str(run));
            }
            end += font.width(bytes, size);
        }
        c.end_text();
        end
    }

    fn text(&mut self, font: Font, size: f32, x: f32, y: f32, bytes: &[u8]) -> f32 {
        if bytes.is_empty() {
            return x;
        }
        self.spans(size, x, y, &[(font, bytes)])
    }

    fn text_right(&mut self, font: Font, size: f32, right: f32, y: f32, bytes: &[u8]) {
        self.text(font, size, right - font.width(bytes, size), y, bytes);
    }

    fn gray_text(&mut self, gray: f32, font: Font, size: f32, x: f32, y: f32, bytes: &[u8]) {
        self.0.set_fill_gray(gray);
        self.text(font, size, x, y, bytes);
        self.0.set_fill_gray(0.0);
    }

    fn fill_rect(&mut self, x: f32, y: f32, w: f32, h: f32, gray: f32) {
        let c = &mut self.0;
        c.save_state();
        c.set_fill_gray(gray);
        c.rect(x, y, w, h);
        c.fill_nonzero();
        c.restore_state();
    }

    fn stroke_rect(&mut self, x: f32, y: f32, w: f32, h: f32, width: f32, gray: f32) {
        let c = &mut self.0;
        c.save_state();
        c.set_line_width(width);
        c.set_stroke_gray(gray);
        c.rect(x, y, w, h);
        c.stroke();
        c.restore_state();
    }

    fn line(&mut self, (x1, y1): (f32, f32), (x2, y2): (f32, f32), width: f32, gray: f32) {
        let c = &mut self.0;
        c.save_state();
        c.set_line_width(width);
        c.set_stroke_gray(gray);
        c.move_to(x1, y1);
        c.line_to(x2, y2);
        c.stroke();
        c.restore_state();
    }

    fn hline(&mut self, x1: f32, x2: f32, y: f32, width: f32, gray: f32) {
        self.line((x1, y), (x2, y), width, gray);
    }
}

// ---------------------------------------------------------------------------
// Layout

struct Layout<'a> {
    doc: &'a ManifestDoc,
    pages: Vec<Canvas>,
    /// Top of the free space on the current page.
    y: f32,
    cols: [f32; 13],
}

fn layout(doc: &ManifestDoc) -> Vec<Canvas> {
    let mut l = Layout {
        doc,
        pages: Vec::new(),
        y: TOP,
        cols: column_widths(),
    };
    l.first_page();
    l.table_header();
    if doc.people.is_empty() {
        let y = l.y - 11.0;
        let note = b"No persons on this manifest.";
        l.cur().text(Font::Regular, TABLE_SIZE, LEFT + PAD, y, note);
        l.y -= ROW_H;
    }
    for (i, p) in doc.people.iter().enumerate() {
        if l.y - row_height(&l.cols, p) < BOTTOM {
            l.continuation_page();
            l.table_header();
        }
        l.row(i, p);
    }
    if l.y - CLOSING_H < BOTTOM {
        l.continuation_page();
    }
    l.y -= CLOSING_GAP;
    l.counts();
    l.y -= 12.0;
    l.signatures();
    l.footers();
    l.pages
}

impl Layout<'_> {
    fn cur(&mut self) -> &mut Canvas {
        self.pages.last_mut().expect("layout starts with a page")
    }

    fn first_page(&mut self) {
        let doc = self.doc;
        self.pages.push(Canvas::new());
        let c = self.cur();

        let title = cat(&[b"MOVEMENT MANIFEST ", &field(&doc.movement)]);
        c.text(
            Font::Bold,
            18.0,
            LEFT,
            TOP - 14.0,
            &text::fit(&title, Font::Bold, 18.0, WIDTH - 160.0),
        );
        let persons = format!("{} PERSONS", doc.counts.manifest);
        c.text_right(Font::Bold, 13.0, RIGHT, TOP - 14.0, persons.as_bytes());
        c.gray_text(
            LABEL_GRAY,
            Font::Regular,
            8.5,
            LEFT,
            TOP - 28.0,
            b"Custody transfer. Carried by the escort; signed on hand-over at the origin and on \
              receipt at the destination. Tick each person on boarding and on admission.",
        );
        c.hline(LEFT, RIGHT, TOP - 35.0, 0.9, 0.0);

        // Left column: movement facts.
        let top = TOP - 49.0;
        let label_x = LEFT;
        let value_x = LEFT + 84.0;
        let value_w = 330.0;
        let rows: [(&[u8], Vec<u8>); 3] = [
            (b"Mode", mode_label(&doc.mode)),
            (b"Planned departure", field(&doc.planned_departure)),
            (b"Status", field(&doc.status)),
        ];
        let mut y = top;
        place_line(c, b"From (origin)", &doc.origin, y, (value_x, value_w));
        y -= 13.0;
        place_line(
            c,
            b"To (destination)",
            &doc.destination,
            y,
            (value_x, value_w),
        );
        y -= 13.0;
        for (label, value) in rows {
            c.gray_text(LABEL_GRAY, Font::Bold, 8.0, label_x, y, label);
            let value = text::fit(&value, Font::Regular, 9.5, value_w);
            c.text(Font::Regular, 9.5, value_x, y, &value);
            y -= 13.0;
        }
        let left_bottom = y + 13.0;

        // Right column: vehicles and escort.
        let label_x = LEFT + 440.0;
        let value_x = label_x + 64.0;
        let value_w = RIGHT - value_x;
        let offs = [0.0, 58.0, 140.0, 174.0, 220.0];
        let mut y = top;
        c.gray_text(LABEL_GRAY, Font::Bold, 8.0, label_x, y, b"Vehicles");
        for (i, h) in ["Vehicle", "Kind", "Seats", "Armored", "Assigned"]
            .iter()
            .enumerate()
        {
            c.gray_text(
                LABEL_GRAY,
                Font::Regular,
                7.5,
                value_x + offs[i],
                y,
                h.as_bytes(),
            );
        }
        const MAX_VEHICLES: usize = 6;
        for v in doc.vehicles.iter().take(MAX_VEHICLES) {
            y -= 12.0;
            let id = text::fit(&field(&v.id), Font::Bold, 9.0, offs[1] - 4.0);
            c.text(Font::Bold, 9.0, value_x, y, &id);
            let kind = fit_field(&field(&v.kind), Font::Regular, 9.0, offs[2] - offs[1] - 4.0);
            c.text(Font::Regular, 9.0, value_x + offs[1], y, &kind);
            c.text(
                Font::Regular,
                9.0,
                value_x + offs[2],
                y,
                v.seats.to_string().as_bytes(),
            );
            let armored: &[u8] = if v.armored { b"armored" } else { b"no" };
            let font = if v.armored { Font::Bold } else { Font::Regular };
            c.text(font, 9.0, value_x + offs[3], y, armored);
            let over = v.assigned > v.seats;
            let assigned = if over {
                format!("{} (over seats)", v.assigned)
            } else {
                v.assigned.to_string()
            };
            let font = if over { Font::Bold } else { Font::Regular };
            c.text(font, 9.0, value_x + offs[4], y, assigned.as_bytes());
        }
        if doc.vehicles.len() > MAX_VEHICLES {
            y -= 12.0;
            let more = format!("\u{2026} and {} more", doc.vehicles.len() - MAX_VEHICLES);
            c.text(Font::Regular, 9.0, value_x, y, &field(&more));
        }
        if doc.vehicles.is_empty() {
            y -= 12.0;
            c.text(Font::Regular, 9.0, value_x, y, b"none assigned");
        }
        y -= 15.0;
        c.gray_text(LABEL_GRAY, Font::Bold, 8.0, label_x, y, b"Escort team");
        let escort: Vec<Vec<u8>> = doc.escort.iter().map(|e| field(e)).collect();
        let escort = if escort.is_empty() {
            b"none recorded".to_vec()
        } else {
            escort.join(&b", "[..])
        };
        for line in text::wrap(&escort, Font::Regular, 9.0, value_w, 3) {
            c.text(Font::Regular, 9.0, value_x, y, &line);
            y -= 12.0;
        }
        let right_bottom = y + 12.0;

        self.y = left_bottom.min(right_bottom) - 12.0;
    }

    fn continuation_page(&mut self) {
        let doc = self.doc;
        self.pages.push(Canvas::new());
        let c = self.cur();
        let title = cat(&[
            b"MOVEMENT MANIFEST ",
            &field(&doc.movement),
            b" (continued)",
        ]);
        c.text(Font::Bold, 11.0, LEFT, TOP - 10.0, &title);
        let from = text::fit(&field(&doc.origin.name), Font::Regular, 8.5, 200.0);
        let to = text::fit(&field(&doc.destination.name), Font::Regular, 8.5, 200.0);
        let arrow = [b' ', DINGBAT_ARROW, b' '];
        let runs: [(Font, &[u8]); 3] = [
            (Font::Regular, &from),
            (Font::Dingbats, &arrow),
            (Font::Regular, &to),
        ];
        let w: f32 = runs.iter().map(|(f, b)| f.width(b, 8.5)).sum();
        c.spans(8.5, RIGHT - w, TOP - 10.0, &runs);
        c.hline(LEFT, RIGHT, TOP - 17.0, 0.9, 0.0);
        self.y = TOP - 25.0;
    }

    fn table_header(&mut self) {
        let (y, cols) = (self.y, self.cols);
        let c = self.cur();
        c.fill_rect(LEFT, y - HEAD_ROW_H, WIDTH, HEAD_ROW_H, HEADER_FILL);
        let mut x = LEFT;
        for (i, &(title, _, cell)) in COLUMNS.iter().enumerate() {
            let w = cols[i];
            let base = y - 12.5;
            match cell {
                Cell::Tick => {
                    let check = [DINGBAT_CHECK];
                    c.spans(
                        8.0,
                        x + PAD,
                        base,
                        &[
                            (Font::Dingbats, &check),
                            (Font::Bold, b" "),
                            (Font::Bold, title.as_bytes()),
                        ],
                    );
                }
                Cell::Right => c.text_right(Font::Bold, 8.0, x + w - PAD, base, title.as_bytes()),
                _ => {
                    c.text(Font::Bold, 8.0, x + PAD, base, title.as_bytes());
                }
            }
            if i > 0 {
                c.line((x, y), (x, y - HEAD_ROW_H), 0.4, GRID);
            }
            x += w;
        }
        c.hline(LEFT, RIGHT, y, 0.8, 0.2);
        c.hline(LEFT, RIGHT, y - HEAD_ROW_H, 0.8, 0.2);
        self.y -= HEAD_ROW_H;
    }

    fn row(&mut self, index: usize, p: &PersonLine) {
        let (y, cols) = (self.y, self.cols);
        let cells = row_cells(&cols, p);
        let lines = cells.iter().map(Vec::len).max().unwrap_or(1);
        let h = ROW_H + (lines - 1) as f32 * LINE_H;
        let c = self.cur();
        if index % 2 == 1 {
            c.fill_rect(LEFT, y - h, WIDTH, h, ZEBRA_FILL);
        }
        let mut x = LEFT;
        for (i, &(_, _, cell)) in COLUMNS.iter().enumerate() {
            let w = cols[i];
            match cell {
                Cell::Tick => {
                    let s = 8.5;
                    c.stroke_rect(x + (w - s) / 2.0, y - (h + s) / 2.0, s, s, 0.6, 0.3);
                }
                _ => {
                    let font = cell_font(i, p);
                    let mut base = y - 10.5;
                    for line in &cells[i] {
                        if cell == Cell::Right {
                            c.text_right(font, TABLE_SIZE, x + w - PAD, base, line);
                        } else {
                            c.text(font, TABLE_SIZE, x + PAD, base, line);
                        }
                        base -= LINE_H;
                    }
                }
            }
            if i > 0 {
                c.line((x, y), (x, y - h), 0.3, GRID);
            }
            x += w;
        }
        c.hline(LEFT, RIGHT, y - h, 0.3, 0.55);
        self.y -= h;
    }

    fn counts(&mut self) {
        let doc = self.doc;
        let y = self.y;
        let c = self.cur();
        c.text(Font::Bold, 10.0, LEFT, y - 10.0, b"Counts");
        let top = y - 16.0;
        let h = COUNTS_H - 16.0;
        let cell_w = WIDTH / 4.0;
        let manifest = doc.counts.manifest;
        let cells: [(&[u8], Option<u32>); 3] = [
            (b"On manifest", Some(manifest)),
            (b"Boarded at origin", doc.counts.boarded),
            (b"Admitted at destination", doc.counts.admitted),
        ];
        for (i, (label, value)) in cells.into_iter().enumerate() {
            let x = LEFT + i as f32 * cell_w;
            c.gray_text(LABEL_GRAY, Font::Regular, 8.0, x + 8.0, top - 12.0, label);
            match value {
                Some(n) => {
                    let end = c.text(
                        Font::Bold,
                        16.0,
                        x + 8.0,
                        top - 33.0,
                        n.to_string().as_bytes(),
                    );
                    if n != manifest {
                        let diff = format!("differs from manifest ({manifest})");
                        c.text(Font::Bold, 8.0, end + 6.0, top - 33.0, diff.as_bytes());
                    }
                }
                None => {
                    c.hline(x + 8.0, x + 90.0, top - 34.0, 0.6, 0.0);
                    c.text(Font::Regular, 8.5, x + 94.0, top - 33.0, b"persons");
                }
            }
        }
        let x = LEFT + 3.0 * cell_w;
        c.gray_text(
            LABEL_GRAY,
            Font::Regular,
            8.0,
            x + 8.0,
            top - 12.0,
            b"Last recorded count",
        );
        match &doc.counts.last_count {
            Some((place, n)) => {
                let end = c.text(
                    Font::Bold,
                    16.0,
                    x + 8.0,
                    top - 33.0,
                    n.to_string().as_bytes(),
                );
                let at = cat(&[b"at ", &field(place)]);
                let at = fit_field(&at, Font::Regular, 8.5, LEFT + WIDTH - end - 14.0);
                c.text(Font::Regular, 8.5, end + 6.0, top - 33.0, &at);
            }
            None => {
                c.text(Font::Regular, 8.5, x + 8.0, top - 33.0, b"none recorded");
            }
        }
        c.stroke_rect(LEFT, top - h, WIDTH, h, 0.8, 0.2);
        for i in 1..4 {
            let x = LEFT + i as f32 * cell_w;
            c.line((x, top), (x, top - h), 0.4, GRID);
        }
        self.y -= COUNTS_H;
    }

    fn signatures(&mut self) {
        let y = self.y;
        let c = self.cur();
        let gap = 12.0;
        let w = (WIDTH - 2.0 * gap) / 3.0;
        let titles: [&[u8]; 3] = [
            b"Handed over by (origin facility officer)",
            b"Escort commander",
            b"Received by (destination facility officer)",
        ];
        let band = 18.0;
        for (i, title) in titles.iter().enumerate() {
            let x = LEFT + i as f32 * (w + gap);
            c.fill_rect(x, y - band, w, band, HEADER_FILL);
            c.text(Font::Bold, 9.0, x + 8.0, y - 12.5, title);
            c.hline(x, x + w, y - band, 0.4, 0.2);
            let mut ly = y - band - 20.0;
            for label in [&b"Name"[..], b"Rank", b"Signature", b"Date / time"] {
                c.gray_text(LABEL_GRAY, Font::Regular, 8.0, x + 8.0, ly, label);
                c.hline(x + 62.0, x + w - 10.0, ly - 1.5, 0.5, 0.15);
                ly -= 20.0;
            }
            c.stroke_rect(x, y - SIG_H, w, SIG_H, 0.8, 0.2);
        }
        self.y -= SIG_H;
    }

    fn footers(&mut self) {
        let doc = self.doc;
        let head = text::fit(&head_line(doc), Font::Regular, 7.0, WIDTH);
        let printed = cat(&[
            b"Printed ",
            &field(&doc.printed_at),
            b" by ",
            &field(&doc.printed_by),
        ]);
        let printed = text::fit(&printed, Font::Regular, 7.0, WIDTH - 220.0);
        let id = field(&doc.movement);
        let total = self.pages.len();
        for (i, c) in self.pages.iter_mut().enumerate() {
            c.hline(LEFT, RIGHT, FOOTER_RULE, 0.5, 0.4);
            c.text(Font::Regular, 7.0, LEFT, FOOTER_RULE - 10.0, &head);
            c.text(Font::Regular, 7.0, LEFT, FOOTER_RULE - 20.0, &printed);
            let (n, total) = ((i + 1).to_string(), total.to_string());
            let page = cat(&[
                &id,
                b"  \xB7  page ",
                n.as_bytes(),
                b" of ",
                total.as_bytes(),
            ]);
            c.text_right(Font::Bold, 8.0, RIGHT, FOOTER_RULE - 20.0, &page);
        }
    }
}

const NAME_COL: usize = 2;
const RISK_COL: usize = 7;

fn is_high_risk(p: &PersonLine) -> bool {
    p.risk.trim().eq_ignore_ascii_case("high")
}

fn cell_font(col: usize, p: &PersonLine) -> Font {
    if col == NAME_COL || (col == RISK_COL && is_high_risk(p)) {
        Font::Bold
    } else {
        Font::Regular
    }
}

/// The lines of text of each cell of a person's row (tick cells: none).
fn row_cells(cols: &[f32; 13], p: &PersonLine) -> Vec<Vec<Vec<u8>>> {
    let values: [Vec<u8>; 11] = [
        p.seq.to_string().into_bytes(),
        field(&p.person),
        person_name(p),
        field(&p.father),
        field(&p.birth),
        field(&p.sex),
        field(&p.nationality),
        if is_high_risk(p) {
            b"HIGH".to_vec()
        } else {
            field(&p.risk)
        },
        field(&p.vehicle),
        field(&p.escort_record),
        field(&p.needs),
    ];
    COLUMNS
        .iter()
        .enumerate()
        .map(|(i, &(_, _, cell))| {
            let inner = cols[i] - 2.0 * PAD;
            let font = cell_font(i, p);
            match cell {
                Cell::Tick => Vec::new(),
                Cell::Wrap if values[i] != PLACEHOLDER.as_bytes() => {
                    text::wrap(&values[i], font, TABLE_SIZE, inner, MAX_CELL_LINES)
                }
                _ => vec![fit_field(&values[i], font, TABLE_SIZE, inner)],
            }
        })
        .collect()
}

fn row_height(cols: &[f32; 13], p: &PersonLine) -> f32 {
    let lines = row_cells(cols, p).iter().map(Vec::len).max().unwrap_or(1);
    ROW_H + (lines.max(1) - 1) as f32 * LINE_H
}

/// "From (origin)" style line: bold facility name, then id and country.
fn place_line(c: &mut Canvas, label: &[u8], place: &Place, y: f32, (x, w): (f32, f32)) {
    c.gray_text(LABEL_GRAY, Font::Bold, 8.0, LEFT, y, label);
    let rest = cat(&[b"  ", &field(&place.id), b" \xB7 ", &field(&place.country)]);
    let rest = text::fit(&rest, Font::Regular, 9.5, w / 2.0);
    let name_w = w - Font::Regular.width(&rest, 9.5);
    let name = fit_field(&field(&place.name), Font::Bold, 9.5, name_w);
    c.spans(9.5, x, y, &[(Font::Bold, &name), (Font::Regular, &rest)]);
}
