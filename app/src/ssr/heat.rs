//! The heat layer: ticket density binned on a grid in map units, smoothed with a Gaussian
//! kernel (three box-blur passes) and encoded as a transparent PNG the map stretches over
//! the province. Computed on the server so its cost does not depend on the browser.

use crate::domain::projection::Projection;

/// Box-blur radius in cells (three passes ≈ a Gaussian with σ ≈ 2.4 cells ≈ 1.3 km).
const BLUR_RADIUS: usize = 2;

/// A density grid over the map.
pub struct HeatGrid {
    pub w: usize,
    pub h: usize,
    cell: f64,
    counts: Vec<f32>,
}

impl HeatGrid {
    pub fn new(proj: &Projection) -> Self {
        let (w, h, cell) = proj.heat_grid();
        Self {
            w,
            h,
            cell,
            counts: vec![0.0; w * h],
        }
    }

    /// Adds one ticket at map coordinates (x, y).
    #[inline]
    pub fn add(&mut self, x: f32, y: f32) {
        let cx = (x as f64 / self.cell) as isize;
        let cy = (y as f64 / self.cell) as isize;
        if cx >= 0 && cy >= 0 && (cx as usize) < self.w && (cy as usize) < self.h {
            self.counts[cy as usize * self.w + cx as usize] += 1.0;
        }
    }

    /// Total weight binned (equals the tickets added inside the map).
    pub fn total(&self) -> f64 {
        self.counts.iter().map(|v| *v as f64).sum()
    }

    fn blur(&mut self) {
        let (w, h) = (self.w, self.h);
        let mut tmp = vec![0.0f32; w * h];
        for _ in 0..3 {
            box_pass(&self.counts, &mut tmp, w, h, BLUR_RADIUS, true);
            box_pass(&tmp, &mut self.counts, w, h, BLUR_RADIUS, false);
        }
    }

    /// Smooths the grid and renders it. Returns the PNG and the density (tickets per km²)
    /// that maps to the top of the colour ramp.
    pub fn render(mut self, proj: &Projection) -> (Vec<u8>, f64) {
        self.blur();
        let cell_km = self.cell * proj.km_per_unit();
        let cell_km2 = cell_km * cell_km;
        let max = self.counts.iter().copied().fold(0.0f32, f32::max);
        let mut rgba = vec![0u8; self.w * self.h * 4];
        if max > 0.0 {
            for (i, v) in self.counts.iter().enumerate() {
                // The running-sum blur leaves rounding residue (even tiny negatives) far from
                // any ticket: treat it as empty rather than let a NaN paint a black pixel.
                let t = (v.max(0.0) / max).sqrt();
                if !(t >= 0.04) {
                    continue;
                }
                let [r, g, b] = ramp(t);
                let a = (t.min(1.0) * 0.85 * 255.0) as u8;
                rgba[i * 4..i * 4 + 4].copy_from_slice(&[r, g, b, a]);
            }
        }
        (
            encode_png(&rgba, self.w as u32, self.h as u32),
            max as f64 / cell_km2,
        )
    }
}

fn box_pass(src: &[f32], dst: &mut [f32], w: usize, h: usize, r: usize, horizontal: bool) {
    let norm = 1.0 / (2 * r + 1) as f32;
    let (outer, inner) = if horizontal { (h, w) } else { (w, h) };
    let at = |o: usize, i: usize| if horizontal { o * w + i } else { i * w + o };
    for o in 0..outer {
        let mut acc = 0.0f32;
        for i in 0..=r.min(inner - 1) {
            acc += src[at(o, i)];
        }
        for i in 0..inner {
            dst[at(o, i)] = acc * norm;
            if i + r + 1 < inner {
                acc += src[at(o, i + r + 1)];
            }
            if i >= r {
                acc -= src[at(o, i - r)];
            }
        }
    }
}

/// Yellow → orange → red → dark red (ColorBrewer YlOrRd).
pub fn ramp(t: f32) -> [u8; 3] {
    const STOPS: [[f32; 3]; 4] = [
        [255.0, 237.0, 160.0],
        [254.0, 178.0, 76.0],
        [240.0, 59.0, 32.0],
        [189.0, 0.0, 38.0],
    ];
    let t = t.clamp(0.0, 1.0) * 3.0;
    let i = (t.floor() as usize).min(2);
    let f = t - i as f32;
    let mix = |k: usize| (STOPS[i][k] + (STOPS[i + 1][k] - STOPS[i][k]) * f) as u8;
    [mix(0), mix(1), mix(2)]
}

fn encode_png(rgba: &[u8], w: u32, h: u32) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Fast);
        let mut writer = enc.write_header().expect("png header to memory");
        writer.write_image_data(rgba).expect("png data to memory");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blur_keeps_mass_and_png_encodes() {
        let proj = Projection::new();
        let mut g = HeatGrid::new(&proj);
        for _ in 0..10 {
            g.add(500.0, 500.0);
        }
        g.add(-5.0, 10.0); // outside: ignored
        assert_eq!(g.total(), 10.0);
        let mut g2 = HeatGrid::new(&proj);
        g2.add(500.0, 500.0);
        g2.blur();
        assert!(
            (g2.total() - 1.0).abs() < 1e-4,
            "blur must conserve mass: {}",
            g2.total()
        );
        let (png, max) = g.render(&proj);
        assert_eq!(&png[1..4], b"PNG");
        assert!(max > 0.0);
        // Far from the only ticket every pixel is fully transparent (no NaN-black residue).
        let mut g3 = HeatGrid::new(&proj);
        for i in 0..50 {
            g3.add(300.0 + i as f32, 400.0);
        }
        let decoded = png::Decoder::new(std::io::Cursor::new(g3.render(&proj).0));
        let mut reader = decoded.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        reader.next_frame(&mut buf).unwrap();
        let w = proj.heat_grid().0;
        for (i, px) in buf.chunks(4).enumerate() {
            let (x, y) = (i % w, i / w);
            if x > 200 || y > 120 {
                assert_eq!(px[3], 0, "pixel {x},{y} should be transparent: {px:?}");
            }
        }
    }

    #[test]
    fn ramp_ends() {
        assert_eq!(ramp(0.0), [255, 237, 160]);
        assert_eq!(ramp(1.0), [189, 0, 38]);
    }
}
