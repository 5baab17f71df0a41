package portal

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// The dashboard draws its figures as bar charts in SVG, made on the
// server: they read without JavaScript, and each carries its figures as
// text (its description, and a <title> a bar) for screen readers; the
// table below them holds the same numbers.

// chart is one bar chart, laid out for the template.
type chart struct {
	ID, Title, Desc string
	Width, Height   int
	// Base is the y of the axis.
	Base int
	Bars []chartBar
}

// chartBar is one month's bar.
type chartBar struct {
	X, Y, W, H     int
	LabelX, ValueY int
	Month, Value   string
	Zero           bool
}

const (
	chartBarW  = 26
	chartGap   = 8
	chartPlotH = 110
	chartTop   = 18
)

// barChart lays out one bar a month, the tallest bar the full height.
func barChart(id, title string, months []string, values []float64, format func(float64) string) chart {
	c := chart{ID: id, Title: title, Width: len(months)*(chartBarW+chartGap) + chartGap, Height: chartTop + chartPlotH + 22}
	c.Base = chartTop + chartPlotH
	top := 0.0
	for _, v := range values {
		top = math.Max(top, v)
	}
	var desc []string
	for i, m := range months {
		v := values[i]
		h := 0
		if top > 0 {
			h = int(math.Round(v / top * chartPlotH))
		}
		if v > 0 && h < 2 {
			h = 2
		}
		x := chartGap + i*(chartBarW+chartGap)
		b := chartBar{X: x, Y: c.Base - h, W: chartBarW, H: h, LabelX: x + chartBarW/2, ValueY: c.Base - h - 4,
			Month: shortMonth(m), Value: format(v), Zero: v == 0}
		c.Bars = append(c.Bars, b)
		desc = append(desc, m+": "+b.Value)
	}
	c.Desc = strings.Join(desc, "; ")
	return c
}

// shortMonth turns "2026-03" into "03/26".
func shortMonth(m string) string {
	if len(m) == 7 {
		return m[5:] + "/" + m[2:4]
	}
	return m
}

func countFormat(v float64) string { return strconv.FormatInt(int64(v), 10) }

// amountFormat writes an amount in whole units, thousands as k.
func amountFormat(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.1fM", v/1e6)
	case v >= 1e4:
		return fmt.Sprintf("%.0fk", v/1e3)
	}
	return strconv.FormatInt(int64(math.Round(v)), 10)
}
