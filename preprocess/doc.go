// Package preprocess turns an image into a network's input as the network's spec says: scaled so
// that its shorter side is the spec's resize (or, without one, the input's size when the image is
// larger or smaller), centre-cropped or cut into the AlexNet paper's ten crops, and converted to normalised
// CHW float32.
//
// It is the part of data's pipeline that evaluation and prediction need, without data's data
// sets, loader and random augmentation, and without the compiler behind them: every package netc
// generates holds its spec's Config as Preprocessing and uses it in its Predict, so that a
// program that classifies images with a generated model needs neither the spec nor netc's
// parser, and prepares images exactly as training evaluated them (data's Augmenter embeds the
// same Config).
//
// It owns, one file each:
//
//	config.go  Config: a spec's preprocessing; Region (the scaling) and Prepare (the crops)
//	resize.go  ResizeShorter, ResizeSquare: Catmull-Rom scaling to a given shorter side, of the
//	           whole image or of only its central square
//	crop.go    CenterCrop, RandomCrop, TenCrop (rectangles) and FlipHorizontal (of a CHW image)
//	tensor.go  ToCHW: pixels to normalised CHW float32, 1 or 3 channels
package preprocess
