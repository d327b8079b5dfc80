package train

import (
	"fmt"
	"io"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// WritePlot draws the history of a run as a PNG at path, atomically: on the left the training
// loss (the mean over each epoch) and the test loss, on the right the test accuracy, top-1 and
// top-5 when the history has it, in percent, all against the epoch.
func WritePlot(path string, history []Epoch) error {
	if len(history) == 0 {
		return fmt.Errorf("%s: no epoch to plot", path)
	}
	var trainLoss, testLoss, top1, top5 plotter.XYs
	for _, e := range history {
		x := float64(e.Epoch)
		trainLoss = append(trainLoss, plotter.XY{X: x, Y: e.TrainLoss})
		testLoss = append(testLoss, plotter.XY{X: x, Y: e.Test.Loss})
		top1 = append(top1, plotter.XY{X: x, Y: 100 * e.Test.Top1})
		if e.Test.Top5 != nil {
			top5 = append(top5, plotter.XY{X: x, Y: 100 * *e.Test.Top5})
		}
	}

	loss := plot.New()
	loss.Title.Text = "Loss"
	loss.X.Label.Text = "epoch"
	loss.Y.Label.Text = "cross-entropy"
	if err := plotutil.AddLinePoints(loss, "train", trainLoss, "test", testLoss); err != nil {
		return err
	}
	loss.Legend.Top = true

	acc := plot.New()
	acc.Title.Text = "Test accuracy"
	acc.X.Label.Text = "epoch"
	acc.Y.Label.Text = "%"
	lines := []any{"top-1", top1}
	if len(top5) > 0 {
		lines = append(lines, "top-5", top5)
	}
	if err := plotutil.AddLinePoints(acc, lines...); err != nil {
		return err
	}
	acc.Legend.Top, acc.Legend.Left = false, false
	for _, p := range []*plot.Plot{loss, acc} {
		p.Add(plotter.NewGrid())
		p.X.Tick.Marker = epochTicks{}
	}

	img := vgimg.NewWith(vgimg.UseWH(10*vg.Inch, 4*vg.Inch), vgimg.UseDPI(96))
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Inch / 2, PadTop: vg.Inch / 8, PadBottom: vg.Inch / 8, PadLeft: vg.Inch / 8, PadRight: vg.Inch / 4}
	canvases := plot.Align([][]*plot.Plot{{loss, acc}}, tiles, dc)
	loss.Draw(canvases[0][0])
	acc.Draw(canvases[0][1])
	err := writeAtomic(path, func(w io.Writer) error {
		_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(w)
		return err
	})
	if err != nil {
		return fmt.Errorf("writing plot %s: %w", path, err)
	}
	return nil
}

// epochTicks marks whole epochs only, at most about ten of them.
type epochTicks struct{}

func (epochTicks) Ticks(lo, hi float64) []plot.Tick {
	step := max(1, int(hi-lo+9)/10)
	var ticks []plot.Tick
	for e := int(lo); float64(e) <= hi; e += step {
		ticks = append(ticks, plot.Tick{Value: float64(e), Label: fmt.Sprint(e)})
	}
	return ticks
}
